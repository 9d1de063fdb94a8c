"""What a message means: the phrasings and intents as data, company matching, and the dates and
amounts in a sentence. The engine asks one question and gets a typed answer."""

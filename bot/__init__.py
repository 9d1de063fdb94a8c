"""The platform-free core of Afterview: conversations, rules, letters.

Imports no platform library, ever.
"""

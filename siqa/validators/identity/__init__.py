"""Participant identity rules (`ID`): one id for two people, two ids for one person, table inconsistencies.

Importing this package registers every rule module in it (the `identity` entry point of `siqa.validators`).
"""

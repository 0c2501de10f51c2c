"""Participant identity rules (`ID`): one id for two people, two ids for one person, table inconsistencies.

Importing this package registers every rule module in it (the `identity` entry point of `siqa.validators`).
ID004 fingerprints every file during the audit; ID001 and ID002 compare the fingerprints release-wide
(`siqa.identity`); ID003 checks the root tables per session.
"""

from siqa.validators.identity import (  # noqa: F401
    id001_one_id_two_people,
    id002_two_ids_one_person,
    id003_table_inconsistency,
    id004_fingerprint,
)

"""siqa: Seamless Interaction Quality Audit.

Finds the defects the Seamless Interaction dataset's owners document (timing, prompts, identity, bleed, MOI,
site quality), explains each with evidence and a confidence, and proposes reversible corrections.
"""

__version__ = "0.1.0"

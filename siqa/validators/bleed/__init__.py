"""Speaker-bleed rules (`BL`): the partner in one's close-talk channel, echo words, swapped or duplicated channels.

Importing this package registers every rule module in it (the `bleed` entry point of `siqa.validators`).
"""

from siqa.validators.bleed import bl001_bleed_level, bl002_echo_words, bl003_swapped_channels  # noqa: F401

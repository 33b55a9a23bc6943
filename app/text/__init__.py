"""Chinese front-end: normalisation, sentence splitting, pinyin with tone sandhi, SSML."""

# Part of every cache key and ETag: change it whenever the same text would be read differently,
# so that caches and CDNs never serve audio of an older reading.
FRONTEND_VERSION = "2026.11.3"

"""Chinese front-end: normalisation, sentence splitting, pinyin with tone sandhi."""

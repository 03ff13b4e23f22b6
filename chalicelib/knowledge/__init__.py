"""The knowledge base: articles and quick responses in English, Romanian, Italian and
Hungarian, searched inside the Lambda.

Articles are Markdown files with front matter under `articles/<id>/<language>.md`,
reviewed like code. They are compiled into one compact index (`index.json`, written
when the app is packaged, built from the sources when it is absent: tests and the
local run) that is loaded once per container. Search is BM25 over Snowball stems
with diacritics folded after stemming, so a question typed without diacritics finds
the article written with them.
"""

"""The parse stage: a fetched document -> FeedData (feed.py, with feedparser
for RSS and Atom, after decode.py has made the bytes text and before
fields.py reads its result; jsonfeed.py for JSON Feed; dates.py for every
date string), and job.py, what a worker process of the pool runs: parse,
normalise, sign."""

from feedhub.parse.feed import SAX_DRIVER, parse_feed

__all__ = ["SAX_DRIVER", "parse_feed"]

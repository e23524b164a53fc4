"""The Scrapy project: one spider per source, shared middlewares and pipelines."""

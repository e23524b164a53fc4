"""Scrapy settings for clientvet: polite live crawling, fast strict replay."""

BOT_NAME = "clientvet"
SPIDER_MODULES = ["clientvet.crawler.spiders"]

# The public registries serve browsers; a browser User-Agent avoids needless blocks.
# Override with `user_agent` in the config file.
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/142.0.0.0 Safari/537.36"
)
# The sources are the sites' own JSON endpoints, queried once per company like their web client.
ROBOTSTXT_OBEY = False
COOKIES_ENABLED = True  # Qrator and DDoS-Guard set cookies that later requests must carry
TELNETCONSOLE_ENABLED = False
# Scrapy's remote control runs Python code sent to a local HTTP server, one per crawler, and writes its
# token to a job file under ~/.local/state/scrapy that a killed run leaves behind: never wanted here.
REMOTE_CONTROL_ENABLED = False
# Neither is even loaded: Scrapy imports every extension listed, disabled or not, and the remote
# control's module brings aiohttp's web server, 8 MB of every check's memory (bench/run.py, `memory:`
# figures). crawler/runner.py leaves these out of Scrapy's EXTENSIONS_BASE.
NEVER_LOADED_EXTENSIONS = ("scrapy.extensions.telnet.TelnetConsole", "scrapy.extensions.remote_control.RemoteControl")
# Two companies of one batch asking the same URL are two requests (see SubjectFingerprinter).
REQUEST_FINGERPRINTER_CLASS = "clientvet.crawler.base.SubjectFingerprinter"

# Politeness: one request at a time per host, a second apart, slower when the host is slow.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5
DOWNLOADER = "clientvet.crawler.downloader.Downloader"  # the jitter drawn once per request, not per look
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 20.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
# No real answer of a source comes near 10 MB (the largest, the Bank of Russia's list and SEC's company
# facts, declare their own `answer_cap_mb`): a larger one is garbage, stopped in the downloader and
# refused in replay (crawler/middlewares.py). The warning comes at half of it.
DOWNLOAD_MAXSIZE = 10 * 2**20
DOWNLOAD_WARNSIZE = DOWNLOAD_MAXSIZE // 2

# Retry transient failures; blocks (401/403/451) are not retried, they are reported.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# With CLIENTVET_QUEUE (clientvet worker) crawler/runner.py adds clientvet.crawler.queue.GlobalPoliteness at 900:
# listed here, every check would import Redis's client only for the middleware to turn itself off.
DOWNLOADER_MIDDLEWARES = {
    "clientvet.crawler.middlewares.ArchiveMiddleware": 950,
    "clientvet.crawler.middlewares.ReplayMiddleware": 990,
}
SPIDER_MIDDLEWARES = {
    "clientvet.crawler.middlewares.AnswerMiddleware": 10,  # outermost: sees all a callback yields
}
ITEM_PIPELINES = {
    "clientvet.crawler.pipelines.NormaliseFact": 100,
    "clientvet.crawler.pipelines.ValidateFact": 200,
    "clientvet.crawler.pipelines.StoreFact": 300,
    "clientvet.crawler.pipelines.CountFact": 400,
}

LOG_LEVEL = "WARNING"

# The cost of each answer, paid per company in a batch. Scrapy reads a callback's source code on every answer
# to warn of a generator returning a value (its cache misses: each request holds a new bound method), a sixth
# of a replayed batch's CPU; and it starts CONCURRENT_ITEMS tasks per answer, where the pipelines are
# synchronous and an answer yields a few facts.
WARN_ON_GENERATOR_RETURN_VALUE = False
CONCURRENT_ITEMS = 4

# Replay answers from local files: no need to wait between requests, unless CLIENTVET_REPLAY_POLITE asks for
# the live politeness (benchmarks: 1, or a share such as 0.1). CLIENTVET_REPLAY_LATENCY (seconds a request) and
# CLIENTVET_REPLAY_RATE_LIMIT ("600/300"): see crawler/middlewares.py ReplayDownloadHandler.
CLIENTVET_REPLAY_POLITE = 0.0
CLIENTVET_REPLAY_LATENCY = 0.0
CLIENTVET_REPLAY_RATE_LIMIT = ""
REPLAY_OVERRIDES = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "RETRY_ENABLED": False,
}

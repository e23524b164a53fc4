"""Light start: the commands that neither crawl nor render a PDF import no Scrapy, Twisted, Playwright or
WeasyPrint, and `sources` reads the declarations without loading a spider; the declarations are the classes'."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from scrapy.settings import Settings

from bench.run import heavy, imported_modules, startup_modules
from clientvet.crawler import spiders
from clientvet.crawler.base import SourceSpider
from clientvet.crawler.declarations import Declared, critical_path, politeness_bound
from clientvet.crawler.runner import GLOBAL_POLITENESS, build_settings
from clientvet.crawler.spiders import SOURCES, all_sources

# Each about 1.5 times what the command imported when it was measured (206, 335, 208, 258, 327, 328
# modules), so that twice as many fails.
LIGHT_COMMANDS = {
    "--help": ((), 310),
    "rules": ((), 500),
    "sources": ((), 310),
    "match": (("ООО «Ромашка»", "Romashka LLC"), 390),
    "signals list": (("7707083893", "--db", "{db}"), 490),
    "history show": (("7707083893", "--db", "{db}"), 490),
}


@pytest.mark.parametrize("command", LIGHT_COMMANDS)
def test_a_light_command_imports_nothing_heavy_and_few_modules(command, tmp_path):
    arguments, most = LIGHT_COMMANDS[command]
    modules = startup_modules(*command.split(), *(a.format(db=tmp_path / "e.sqlite") for a in arguments))
    assert heavy(modules) == []
    assert len(modules) <= most, f"{command} imported {len(modules)} modules"


def test_the_import_log_shows_what_loading_a_spider_imports():
    """The count is Python's own import log: loading one spider brings Scrapy and Twisted, hundreds of modules."""
    modules = imported_modules("-c", f"import {SOURCES[0].spider.rpartition('.')[0]}")
    assert {"scrapy", "twisted"} <= set(heavy(modules))
    assert len(modules) > 2 * LIGHT_COMMANDS["sources"][1]


def test_a_check_imports_redis_only_as_a_worker(tmp_path):
    """The Redis-held pace is a worker's middleware: a check does without it, and without its client library."""
    check = imported_modules("-m", "clientvet", "check", "--cik", "0009900001", "--replay", "demo",
                             "--db", str(tmp_path / "e.sqlite"))
    assert "scrapy" in check and not any(module.split(".")[0] == "redis" for module in check)
    assert GLOBAL_POLITENESS not in build_settings(str(tmp_path / "e.sqlite"), None).getdict("DOWNLOADER_MIDDLEWARES")
    worker = build_settings(str(tmp_path / "e.sqlite"), None, {"CLIENTVET_QUEUE": "redis://127.0.0.1:6379/0"})
    assert worker.getdict("DOWNLOADER_MIDDLEWARES")[GLOBAL_POLITENESS] == 900


def test_every_source_class_carries_its_declaration():
    for entry, spider in zip(SOURCES, all_sources(), strict=True):
        assert f"{spider.__module__}.{spider.__qualname__}" == entry.spider
        assert spider.declared is entry
        assert {fact: getattr(spider, fact) for fact in Declared.CLASS_FACTS} == \
            {fact: getattr(entry, fact) for fact in Declared.CLASS_FACTS}
    assert len({entry.name for entry in SOURCES}) == len(SOURCES)


def test_a_declared_pause_is_the_spiders_download_delay():
    [edgar] = [spider for spider in all_sources() if spider.name == "edgar"]
    settings = build_settings(":memory:", None)
    edgar.update_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == edgar.declared.pause == 0.25
    [egrul] = [spider for spider in all_sources() if spider.name == "egrul"]
    egrul.update_settings(defaults := Settings({"DOWNLOAD_DELAY": 1.0}))
    assert egrul.declared.pause is None and defaults.getfloat("DOWNLOAD_DELAY") == egrul.declared.seconds_between


def test_a_registered_spider_that_declares_a_fact_again_is_refused():
    path = SOURCES[0].spider
    module, _, qualname = path.rpartition(".")
    with pytest.raises(TypeError, match="declares jurisdiction again"):
        type(qualname, (SourceSpider,), {"__module__": module, "__qualname__": qualname, "jurisdiction": "RU"})
    with pytest.raises(TypeError, match="DOWNLOAD_DELAY"):
        type(qualname, (SourceSpider,), {"__module__": module, "__qualname__": qualname,
                                         "custom_settings": {"DOWNLOAD_DELAY": 2}})


def test_every_spider_module_is_registered():
    """A source class under crawler/spiders is registered, or is the shared base of registered ones."""
    registered = set(all_sources())
    for found in pkgutil.iter_modules(spiders.__path__):
        module = importlib.import_module(f"{spiders.__name__}.{found.name}")
        classes = [value for value in vars(module).values() if isinstance(value, type)
                   and issubclass(value, SourceSpider) and value.__module__ == module.__name__]
        assert classes, f"{module.__name__} defines no source"
        for source in classes:
            assert source in registered or any(issubclass(r, source) for r in registered), \
                f"{source.__qualname__} is in no entry of clientvet/crawler/spiders/__init__.py"


def test_every_declared_chain_is_at_least_one_request():
    assert all(entry.chain >= 1 and entry.seconds_between >= 0 for entry in SOURCES)


def test_the_critical_path_adds_the_longest_chain_of_each_wave():
    first = Declared("a", "x.A", "RU", (), chain=3, pause=1.0)
    short = Declared("b", "x.B", "RU", (), chain=1, pause=5.0)
    later = Declared("c", "x.C", "RU", (), after=("a",), chain=2, pause=0.5)
    # wave 1: a's 3 requests and 2 pauses (b's one request is shorter); wave 2: c's 2 requests and 1 pause
    assert critical_path([first, short, later], 0.3) == pytest.approx(3 * 0.3 + 2 * 1.0 + 2 * 0.3 + 0.5)


def test_the_politeness_bound_is_the_slowest_sources_requests_times_pause_over_concurrency():
    pair = Declared("a", "x.A", "GB", (), pause=1.0, concurrency=2)
    single = Declared("b", "x.B", "GB", (), pause=1.0)
    assert pair.seconds_per_request == 0.5 and single.in_flight == 1
    assert politeness_bound({"a": 1600, "b": 400}, [pair, single]) == pytest.approx(800)
    assert politeness_bound({"a": 100, "b": 400}, [pair, single], scale=0.1) == pytest.approx(40)


def test_a_source_allowed_two_requests_at_once_a_second_apart_gets_scrapys_half_second():
    """Scrapy's DOWNLOAD_DELAY is the time between any two requests to the host, whatever the concurrency."""
    [companies_house] = [spider for spider in all_sources() if spider.name == "companies_house"]
    settings = build_settings(":memory:", None)
    companies_house.update_settings(settings)
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == companies_house.declared.in_flight == 2
    assert settings.getfloat("DOWNLOAD_DELAY") == pytest.approx(0.5)
    replayed = build_settings(":memory:", "demo", {"CLIENTVET_REPLAY_POLITE": "0.1"})
    companies_house.update_settings(replayed)
    assert replayed.getfloat("DOWNLOAD_DELAY") == pytest.approx(0.05)
    assert replayed.getfloat("AUTOTHROTTLE_START_DELAY") == pytest.approx(0.1)

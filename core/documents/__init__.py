"""The document pipeline: job rows, the WeasyPrint renderer with its safe URL fetcher, the
task and the sweeper. Apps register their document kinds in ``AppConfig.ready()``."""

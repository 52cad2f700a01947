"""Results of survey campaigns: ``campaign_results`` (the numbers, in a fixed number of
queries), ``tallies`` (reading the running tallies that submits keep), ``live`` (what
changes them, and the cache the page and the API read through) and ``display`` (what pages
and the PDF print)."""

from surveys.results.compute import K_ANONYMITY, TEXTS_LIMIT, campaign_results, median_of
from surveys.results.live import campaign_results_live, results_fingerprint, results_state

__all__ = [
    "K_ANONYMITY",
    "TEXTS_LIMIT",
    "campaign_results",
    "campaign_results_live",
    "median_of",
    "results_fingerprint",
    "results_state",
]

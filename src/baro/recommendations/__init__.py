"""The personalised home page: ``train`` fits ``baro.intelligence.recommend`` on the
platform's orders and writes the rows for serving (``baro recommend train``, on a
schedule); ``HomePages.page`` serves them with what the customer did since."""

from baro.recommendations.pages import BOUGHT_TOGETHER as BOUGHT_TOGETHER
from baro.recommendations.pages import REASONS as REASONS
from baro.recommendations.pages import SEARCHED as SEARCHED
from baro.recommendations.pages import TITLES as TITLES
from baro.recommendations.pages import HomePage as HomePage
from baro.recommendations.pages import HomePages as HomePages
from baro.recommendations.pages import HomeRow as HomeRow
from baro.recommendations.store import HomeModel as HomeModel
from baro.recommendations.train import BUY_AGAIN as BUY_AGAIN
from baro.recommendations.train import PICKED as PICKED
from baro.recommendations.train import TRENDING as TRENDING
from baro.recommendations.train import RecommendationsUnavailable as RecommendationsUnavailable
from baro.recommendations.train import TrainSettings as TrainSettings
from baro.recommendations.train import train as train

__all__ = [
    "BOUGHT_TOGETHER",
    "BUY_AGAIN",
    "PICKED",
    "REASONS",
    "SEARCHED",
    "TITLES",
    "TRENDING",
    "HomeModel",
    "HomePage",
    "HomePages",
    "HomeRow",
    "RecommendationsUnavailable",
    "TrainSettings",
    "train",
]

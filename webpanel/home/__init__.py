"""The home page: what a person needs when they sign in."""

from webpanel.home.views import bp

__all__ = ["bp"]

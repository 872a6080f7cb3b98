"""The home page: what a person needs when they sign in."""

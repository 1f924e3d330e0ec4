from django.apps import AppConfig


class HelpCentreConfig(AppConfig):
    name = "reelhouse.helpcentre"
    label = "helpcentre"

    def ready(self) -> None:
        from reelhouse.helpcentre import selectors
        from reelhouse.support.suggestions import suggestions_register

        suggestions_register(selectors.suggestions)  # articles suggested while a subscriber writes a request

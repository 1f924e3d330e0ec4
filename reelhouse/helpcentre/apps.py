from django.apps import AppConfig


class HelpCentreConfig(AppConfig):
    name = "reelhouse.helpcentre"
    label = "helpcentre"

    def ready(self) -> None:
        from reelhouse.helpcentre import selectors, services
        from reelhouse.support.suggestions import request_sent_register, suggestions_register

        suggestions_register(selectors.suggestions)  # articles suggested while a subscriber writes a request
        request_sent_register(services.request_sent)  # ... and whether they spared a request (deflection)

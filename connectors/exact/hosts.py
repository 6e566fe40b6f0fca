"""Exact Online's one host per country (Exact's "Exact Online sites", cited in picqer
Connection::setBaseUrl). Kept free of heavy imports: the config reads it too."""

COUNTRY_HOSTS = {
    "nl": "https://start.exactonline.nl",
    "be": "https://start.exactonline.be",
    "de": "https://start.exactonline.de",
    "uk": "https://start.exactonline.co.uk",
    "us": "https://start.exactonline.com",
    "fr": "https://start.exactonline.fr",
    "es": "https://start.exactonline.es",
}

"""Pay. (pay.nl): settlements and their clearings read from Pay.'s GMS REST API v2."""

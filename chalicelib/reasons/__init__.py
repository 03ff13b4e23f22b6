"""Why customers contact us: the catalogue of contact reasons (`catalogue.py`) and
the predictor that names a contact's reason before an agent picks up (`predict.py`).

Every other capability (routing, cases, knowledge, metrics, wrap-up) names reasons
from here, never as free strings.
"""

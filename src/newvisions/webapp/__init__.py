"""The performer's web app: static files served by the API itself at `/`."""

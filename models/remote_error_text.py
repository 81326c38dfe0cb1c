"""Messages of the remote clients' errors in the language of the Odoo user.

The clients have no Odoo import and raise their errors in English. An error of
their HTTP layer names its kind and the values of its message, so the same
message can be built here from a translatable text.
"""


def remote_error_text(env, error):
    """Return the message of ``error`` in the language of ``env``; other errors as they are."""
    kind = getattr(error, "kind", None)
    params = dict(getattr(error, "params", None) or {})
    if not kind or not params:
        return str(error)

    if kind == "request_failed":
        return env._("The request to %(system)s failed (%(request)s): %(detail)s.", **params)
    if kind == "connect":
        reason = params.get("reason")
        params["detail"] = f": {reason}" if reason else ""
        return env._(
            "Could not connect to %(system)s at %(url)s (%(request)s)%(detail)s.", **params
        )
    params["detail"] = f": {error.remote_message}" if error.remote_message else ""
    params["code"] = env._(" (code %(code)s)", code=error.remote_code) if error.remote_code else ""
    params.setdefault("status", "")
    texts = {
        "timeout": lambda: env._("%(system)s did not respond in time (%(request)s).", **params),
        "rate_limit": lambda: env._(
            "%(system)s rate limit reached (%(request)s); retry later.", **params
        ),
        "server_error": lambda: env._(
            "%(system)s failed with HTTP %(status)s (%(request)s)%(detail)s", **params
        ),
        "credentials": lambda: env._(
            "%(system)s rejected the credentials with HTTP %(status)s (%(request)s)"
            "%(detail)s%(code)s",
            **params,
        ),
        "not_found": lambda: env._(
            "%(system)s found nothing at %(request)s (HTTP 404)%(detail)s", **params
        ),
        "redirect": lambda: env._(
            "%(system)s redirected %(request)s with HTTP %(status)s: check the API URL.",
            **params,
        ),
        "rejected": lambda: env._(
            "%(system)s rejected %(request)s with HTTP %(status)s%(detail)s%(code)s", **params
        ),
    }
    text = texts.get(kind)
    return text() if text else str(error)

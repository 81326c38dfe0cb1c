import hmac
import logging

from odoo import _, http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from ..models.fortnox_backend import CALLBACK_PATH

_logger = logging.getLogger(__name__)

#: Session key of the OAuth states of the connections this browser is connecting.
SESSION_KEY = "fortnox_oauth_states"


class FortnoxOAuthController(http.Controller):
    """The two ends of Fortnox's authorization-code flow.

    The start route keeps a random state in the user's session (and its hash
    on the backend) before sending the browser to Fortnox. The callback only
    trades the code for tokens when the state it brings back matches both,
    which protects against forged callbacks (CSRF) and replays.
    """

    @http.route("/fortnox/oauth/start/<int:backend_id>", type="http", auth="user", methods=["GET"])
    def start(self, backend_id, **_params):
        backend = request.env["fortnox.backend"].browse(backend_id).exists()
        if not backend:
            return self._result(404, _("This Fortnox connection does not exist."))
        try:
            state, url = backend._fortnox_start_authorization()
        except AccessError:
            return self._result(
                403, _("Only Fortnox managers may connect Odoo to Fortnox."), backend
            )
        except UserError as error:
            return self._result(400, str(error.args[0]), backend)

        states = dict(request.session.get(SESSION_KEY) or {})
        states[str(backend.id)] = state
        request.session[SESSION_KEY] = states
        return request.redirect(url, local=False)

    @http.route(CALLBACK_PATH, type="http", auth="user", methods=["GET"])
    def callback(self, state=None, code=None, error=None, error_description=None, **_params):
        states = dict(request.session.get(SESSION_KEY) or {})
        backend_id = next(
            (
                int(key)
                for key, expected in states.items()
                if state and hmac.compare_digest(expected, state)
            ),
            None,
        )
        if backend_id is None:
            _logger.warning("Fortnox OAuth callback rejected: unknown state for this session")
            return self._result(
                400,
                _(
                    "This answer from Fortnox does not belong to a connection started in this "
                    "browser session. Open the Fortnox connection and press Connect to Fortnox."
                ),
            )
        states.pop(str(backend_id))
        request.session[SESSION_KEY] = states

        backend = request.env["fortnox.backend"].browse(backend_id).exists()
        if not backend:
            return self._result(404, _("This Fortnox connection does not exist."))
        try:
            backend.check_access("write")
            message = backend._fortnox_finish_authorization(state, code, error, error_description)
        except AccessError:
            return self._result(
                403, _("Only Fortnox managers may connect Odoo to Fortnox."), backend
            )
        except UserError as failure:
            return self._result(400, str(failure.args[0]), backend)
        return self._result(200, message, backend, connected=True)

    @staticmethod
    def _result(status, message, backend=None, connected=False):
        values = {
            "connected": connected,
            "message": message,
            "backend_url": f"/odoo/action-ongoing_fortnox_sync.action_fortnox_backend/{backend.id}"
            if backend
            else "/odoo",
        }
        return request.render("ongoing_fortnox_sync.fortnox_oauth_result", values, status=status)

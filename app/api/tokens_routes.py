"""The account's API tokens page: create a token (shown once), list them, revoke one."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.api import tokens, tokens_bp
from app.api.forms import TokenForm
from app.auth.policy import role_required
from app.errors import Invalid

may_have_tokens = role_required(*tokens.ROLES)


@tokens_bp.route("", methods=["GET", "POST"])
@may_have_tokens
def index() -> ResponseReturnValue:
    """The list and the form; a new token is shown on the answer to the post, and only there."""
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, clear = tokens.create_token(current_user, form.name.data)
        except Invalid as e:
            form.name.errors.append(e.message)
        else:
            # Rendered, not flashed: a flash would put the token in the (signed, readable) cookie.
            page = render_template("api/created.html", token=token, clear=clear)
            response = make_response(page)
            response.headers["Cache-Control"] = "no-store"
            return response
    return render_template("api/tokens.html", form=form, tokens=tokens.list_tokens(current_user))


@tokens_bp.route("/<id:token_id>/revoke", methods=["GET", "POST"])
@may_have_tokens
def revoke(token_id: int) -> ResponseReturnValue:
    """GET asks for confirmation; POST revokes."""
    token = tokens.token_of(current_user, token_id)
    if request.method == "POST" and request.form.get("confirm") == "yes":
        tokens.revoke_token(current_user, token_id)
        flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "ok")
        return redirect(url_for("api_tokens.index"))
    return render_template("api/revoke.html", token=token)

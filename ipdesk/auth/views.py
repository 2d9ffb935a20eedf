"""Sign-in and sign-out, registration, invitations, and the user's own account."""
import zoneinfo

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ipdesk.auth.forms import (
    ForgotPasswordForm,
    InvitationAcceptForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegistrationForm,
    ResetPasswordForm,
)
from ipdesk.auth.services import (
    authenticate,
    change_password,
    complete_password_reset,
    find_password_reset,
    request_password_reset,
    sign_in,
    update_profile,
)
from ipdesk.auth.sessions import end_session
from ipdesk.companies.services import (
    accept_invitation,
    find_open_invitation,
    register_company,
)
from ipdesk.core.errors import ServiceError
from ipdesk.core.urls import safe_next
from ipdesk.core.views import form_error
from ipdesk.extensions import limiter
from ipdesk.policy import account_gate

bp = Blueprint("auth", __name__)


def _login_email_key() -> str:
    """Count attempts per account too, so one address cannot be tried from many places."""
    return "login-account:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], methods=["POST"], key_func=_login_email_key,
               deduct_when=lambda response: response.status_code != 302)  # failures only
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("The e-mail address or the password is not correct."))
            return render_template("auth/login.html", form=form), 200
        sign_in(user)
        return redirect(safe_next(form.next.data) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


def _reset_email_key() -> str:
    return "password-reset:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_ACCOUNT_RATE_LIMIT"], methods=["POST"],
               key_func=_reset_email_key)
def forgot_password():
    if current_user.is_authenticated:
        return redirect(url_for("auth.password"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data)
        # the same answer whether or not the address has an account
        flash(_("If an account uses this address, a link to choose a new password is on its way. "
                "It works once, for %(minutes)d minutes.", minutes=current_app.config["PASSWORD_RESET_MINUTES"]),
              "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if current_user.is_authenticated:
        flash(_("Sign out first to reset the password of an account."), "warning")
        return redirect(url_for("main.index"))
    reset = find_password_reset(token)
    if reset is None:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        if not complete_password_reset(reset, form.password.data):
            return render_template("auth/reset_invalid.html"), 404
        flash(_("Your password is changed, and every session of your account has ended. Sign in with the new "
                "password."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
def logout():
    end_session()
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = register_company(form.data, locale=str(get_locale()))
        except ServiceError as error:
            return form_error(form, error, "auth/register.html")
        sign_in(user)
        flash(_("Your company is registered. IP centre staff will review it shortly."), "success")
        return redirect(url_for("auth.awaiting_approval"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    invitation = find_open_invitation(token)
    if invitation is None:
        return render_template("auth/invitation_invalid.html"), 404
    if current_user.is_authenticated:
        flash(_("Sign out first to accept an invitation for another account."), "warning")
        return redirect(url_for("main.index"))
    form = InvitationAcceptForm()
    if form.validate_on_submit():
        try:
            user = accept_invitation(invitation, form.data, locale=str(get_locale()))
        except ServiceError as error:
            return form_error(form, error, "auth/invitation.html", invitation=invitation)
        sign_in(user)
        flash(_("Welcome! You have joined %(company)s.", company=invitation.company.name), "success")
        return redirect(url_for("main.index"))
    return render_template("auth/invitation.html", form=form, invitation=invitation), 422 if form.errors else 200


@bp.get("/awaiting-approval")
@login_required
def awaiting_approval():
    state = account_gate(current_user)
    if state is None:
        return redirect(url_for("main.index"))
    return render_template("auth/awaiting_approval.html", state=state, company=current_user.company)


def _timezones() -> list[SelectChoice]:
    return [SelectChoice(z, z) for z in sorted(zoneinfo.available_timezones()) if "/" in z and not z.startswith("Etc/")]


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ProfileForm(obj=current_user if request.method == "GET" else None)
    form.timezone.choices = _timezones()
    if request.method == "GET":
        form.locale.data = current_user.locale or ""
    if form.validate_on_submit():
        update_profile(current_user, form.data)
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form), 422 if form.errors else 200


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current_password.data, form.password.data)
        except ServiceError as error:
            return form_error(form, error, "auth/password.html")
        flash(_("Your password is changed. You have been signed out everywhere else."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/password.html", form=form), 422 if form.errors else 200

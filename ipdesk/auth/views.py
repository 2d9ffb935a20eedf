"""Sign-in (with its second step) and sign-out, registration, invitations, and the user's own account."""
import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ipdesk.audit.services import log_event
from ipdesk.auth import twofactor
from ipdesk.auth.devices import known_device_tag
from ipdesk.auth.forms import (
    ConfirmRegistrationForm,
    EnrolForm,
    ForgotPasswordForm,
    InvitationAcceptForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegistrationForm,
    ResetPasswordForm,
    TwoFactorForm,
)
from ipdesk.auth.models import User
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
    confirm_registration,
    find_open_invitation,
    find_registration_request,
    request_registration,
)
from ipdesk.core.db import writes_on_get
from ipdesk.core.errors import ServiceError
from ipdesk.core.i18n import country_choices, timezone_choices
from ipdesk.core.transaction import record_despite_refusal
from ipdesk.core.urls import safe_next
from ipdesk.core.views import form_error, mail_sent, no_store, signed_in
from ipdesk.extensions import db, limiter
from ipdesk.network.services import active_country_codes
from ipdesk.policy import account_gate

bp = Blueprint("auth", __name__)


def _login_email_key() -> str:
    """Count attempts per account too, so one address cannot be tried from many places."""
    return "login-account:" + (request.form.get("email") or "").strip().lower()[:254]


def _known_device() -> bool:
    """Whether this browser signed in to the account it now tries before (``ipdesk.auth.devices``)."""
    return known_device_tag(request.form.get("email") or "") is not None


def _known_device_key() -> str:
    return f"login-device:{known_device_tag(request.form.get('email') or '')}"


@bp.route("/login", methods=["GET", "POST"])
# Per client address, and per account (failures only); a browser the account signed in on before is not held
# by either, so guessing from elsewhere never locks the owner out; it has a limit of its own instead.
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], exempt_when=_known_device)
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], methods=["POST"], key_func=_login_email_key,
               deduct_when=lambda response: response.status_code != 302, exempt_when=_known_device)
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=_known_device_key,
               exempt_when=lambda: not _known_device())
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("The e-mail address or the password is not correct."))
            return render_template("auth/login.html", form=form), 200
        if account_gate(user) == "refused":  # said only to whoever gave the right password
            log_event("auth.login_failed", obj=user, data={"user_id": user.id, "reason": "company_refused"},
                      personal={"email": user.email}, about=user)
            form.form_errors.append(_("The registration of your company was refused, so this account can no longer "
                                      "sign in. The e-mail we sent gives the reason."))
            return render_template("auth/login.html", form=form), 200
        if user.has_two_factor:  # the password was right; the second step decides
            session[PENDING] = {"user_id": user.id, "at": time.time(), "remember": bool(form.remember.data),
                                "next": safe_next(form.next.data)}
            return redirect(url_for("auth.login_code"))
        sign_in(user, remember=form.remember.data)
        return redirect(safe_next(form.next.data) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


PENDING = "2fa_pending"
PENDING_SECONDS = 300


def _pending_key() -> str:
    pending = session.get(PENDING) or {}
    return f"login-code:{pending.get('user_id')}"


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], methods=["POST"], key_func=_pending_key,
               deduct_when=lambda response: response.status_code != 302)
@no_store
def login_code():
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    pending = session.get(PENDING)
    user = db.session.get(User, pending["user_id"]) if pending else None
    if user is None or not user.is_active or not user.has_two_factor or \
            time.time() - pending["at"] > PENDING_SECONDS:
        session.pop(PENDING, None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        if twofactor.check(user, form.code.data):
            session.pop(PENDING, None)
            sign_in(user, remember=pending["remember"])
            return redirect(pending.get("next") or url_for("main.index"))
        record_despite_refusal(lambda: log_event("auth.2fa_failed", obj=user, data={"user_id": user.id}))
        form.code.errors.append(_("That code is not correct, or was already used."))
        return render_template("auth/login_code.html", form=form), 200
    return render_template("auth/login_code.html", form=form)


def _reset_email_key() -> str:
    return "password-reset:" + (request.form.get("email") or "").strip().lower()[:254]


# A signed-in user is sent to "change password" and sends no mail: their posts are not counted.
@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"], exempt_when=signed_in)
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_ACCOUNT_RATE_LIMIT"], methods=["POST"],
               key_func=_reset_email_key, exempt_when=signed_in)
def forgot_password():
    if current_user.is_authenticated:
        return redirect(url_for("auth.password"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data, language=str(get_locale()))
        # the same answer whether or not the address has an account
        flash(_("If an account uses this address, a link to choose a new password is on its way. "
                "It works once, for %(minutes)d minutes.", minutes=current_app.config["PASSWORD_RESET_MINUTES"]),
              "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@no_store
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


def _registration_address_key() -> str:
    return "registration-address:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/register", methods=["GET", "POST"])
# Each registration mails its address: a few per client address and per e-mail address (forms sent back with
# errors mail nothing and do not count).
@limiter.limit(lambda: current_app.config["REGISTRATION_RATE_LIMIT"], methods=["POST"], deduct_when=mail_sent,
               exempt_when=signed_in)  # signed-in users are sent home: they register nothing and mail no one
@limiter.limit(lambda: current_app.config["REGISTRATION_ADDRESS_RATE_LIMIT"], methods=["POST"],
               key_func=_registration_address_key, deduct_when=mail_sent, exempt_when=signed_in)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegistrationForm(country_choices=country_choices(active_country_codes()))
    if form.validate_on_submit():
        try:
            request_registration(form.data, locale=str(get_locale()))
        except ServiceError as error:
            return form_error(form, error, "auth/register.html")
        # the same answer whether or not the address has an account: the mail tells its owner which
        return redirect(url_for("auth.registration_sent"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.get("/register/sent")
def registration_sent():
    return render_template("auth/registration_sent.html", hours=current_app.config["REGISTRATION_CONFIRM_HOURS"])


@bp.route("/register/confirm/<token>", methods=["GET", "POST"], endpoint="confirm_registration")
@no_store
def confirm_registration_link(token: str):
    """The link mailed to a registration's address: a button (mail scanners open links, they do not press
    buttons) that creates the company and its first user, signed in to wait for approval."""
    registration = find_registration_request(token)
    if registration is None:
        return render_template("auth/registration_invalid.html"), 404
    if current_user.is_authenticated:
        flash(_("Sign out first to finish the registration of another account."), "warning")
        return redirect(url_for("main.index"))
    form = ConfirmRegistrationForm()
    company_name = registration.data["name_ko" if str(get_locale()) == "ko" else "name_en"]
    if form.validate_on_submit():
        try:
            user = confirm_registration(registration)
        except ServiceError as error:
            form.form_errors.append(error.message)
            return render_template("auth/confirm_registration.html", form=form, registration=registration,
                                   company_name=company_name), 422
        if user is None:
            return render_template("auth/registration_invalid.html"), 404
        sign_in(user)
        flash(_("Your company is registered. IP centre staff will review it shortly."), "success")
        return redirect(url_for("auth.awaiting_approval"))
    return render_template("auth/confirm_registration.html", form=form, registration=registration,
                           company_name=company_name)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@no_store
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


def _timezones() -> dict[str, list[tuple[str, str]]]:
    return timezone_choices(active_country_codes())


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
    return render_template("auth/account.html", form=form, gated=account_gate(current_user)), \
        422 if form.errors else 200


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


# --- two-factor sign-in ------------------------------------------------------------------------

@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
@no_store
@writes_on_get  # the secret of a new set-up is stored on the server when the page first shows it
def two_factor():
    """Set up two-factor sign-in (a new secret shown as a QR code, confirmed by a code), or manage it."""
    if current_user.has_two_factor:
        return render_template("auth/two_factor.html", form=TwoFactorForm(), user=current_user,
                               codes_left=twofactor.recovery_codes_left(current_user),
                               required=twofactor.required_for(current_user))
    if request.method == "POST" and current_user.totp_pending_secret_encrypted is None:
        return redirect(url_for("auth.two_factor"))  # no set-up under way that this code could confirm
    secret = twofactor.pending_secret(current_user)
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.enable(current_user, form.code.data)
        except ServiceError as error:
            form.code.errors.append(error.message)
        else:
            flash(_("Two-factor sign-in is on."), "success")
            return render_template("auth/recovery_codes.html", codes=codes)
    uri = twofactor.provisioning_uri(current_user, secret)
    return render_template("auth/two_factor_setup.html", form=form, secret=secret, qr=twofactor.qr_svg(uri),
                           required=twofactor.required_for(current_user)), 422 if form.errors else 200


@bp.post("/account/two-factor/off")
@login_required
def two_factor_off():
    form = TwoFactorForm()
    if form.validate_on_submit():
        try:
            twofactor.disable(current_user, form.code.data)
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for("auth.two_factor"))


@bp.post("/account/two-factor/recovery-codes")
@login_required
@no_store
def recovery_codes():
    form = TwoFactorForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.regenerate_recovery_codes(current_user, form.code.data)
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            return render_template("auth/recovery_codes.html", codes=codes)
    return redirect(url_for("auth.two_factor"))

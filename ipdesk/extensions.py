"""Every Flask extension object, created unbound and initialised by the app factory."""
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from ipdesk.core.db import Base
from ipdesk.core.i18n import ParticleBabel

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = ParticleBabel()  # Korean particles chosen by the placeholders' values
bootstrap = Bootstrap5()
limiter = Limiter(key_func=get_remote_address)

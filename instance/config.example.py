# Copy to instance/config.py to override settings for this machine.
# Every key may also come from the environment (which wins).
# SECRET_KEY = "a long random string"  # python -c 'import secrets; print(secrets.token_urlsafe(48))'
# DATABASE_URL = "postgresql+psycopg://bridge:secret@127.0.0.1/bridge"
# PUBLIC_URL = "https://codesign.example.org"   # what phones open; the QR code points here
# ASYNC_MODE = "gevent"   # or "eventlet", or "threading" (development only)

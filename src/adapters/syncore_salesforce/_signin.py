"""How a :class:`~.adapter.SalesforceAdapter` is built: signing in (every flow simple-salesforce offers), from a
settings file, or against the shipped emulator."""

from __future__ import annotations

from collections import abc as cabc
from datetime import timedelta
from typing import Any, Self

import requests

from ._auth import session_factory
from .options import SalesforceOptions, http_session


class SignIn:
    """The constructors of the Salesforce adapter (a mixin: ``cls`` is the adapter class)."""

    @classmethod
    def login(
        cls,
        *,
        username: str | None = None,
        password: str | None = None,
        security_token: str | None = None,
        domain: str = "login",
        consumer_key: str | None = None,
        consumer_secret: str | None = None,
        jwt_key_file: str | None = None,
        jwt_private_key: str | None = None,
        refresh_token: str | None = None,
        session_id: str | None = None,
        instance_url: str | None = None,
        version: str = "59.0",
        session: requests.Session | None = None,
        lazy: bool = False,
        **options: Any,
    ) -> Self:
        """Sign in and build the adapter. ``options`` are the constructor's keyword arguments.

        * username + password + security_token (``domain="test"`` for a sandbox, or a My Domain prefix);
        * username + consumer_key + jwt_key_file (or jwt_private_key, the PEM text): OAuth 2.0 JWT bearer flow;
        * refresh_token + consumer_key (+ consumer_secret): OAuth 2.0 refresh token flow;
        * username + password + consumer_key + consumer_secret: OAuth 2.0 username-password flow;
        * session_id + instance_url: an existing session (cannot sign in again when it expires).

        With ``lazy`` the settings are checked now and the first call signs in (a sign-in failure is then the
        sync's error, retried with back-off by auto sync). After INVALID_SESSION_ID the adapter signs in again
        once per call. No credential appears in a log line or an exception message.
        """
        factory, can_relogin = session_factory(
            username=username, password=password, security_token=security_token, domain=domain,
            consumer_key=consumer_key, consumer_secret=consumer_secret, jwt_key_file=jwt_key_file,
            jwt_private_key=jwt_private_key, refresh_token=refresh_token, session_id=session_id,
            instance_url=instance_url, version=version, session=session, clock=options.get("clock"),
        )
        if not can_relogin:
            # an existing session: building its client sends nothing, so lazy or not is the same
            return cls(factory(), **options)
        if lazy:
            return cls(None, relogin=factory, **options)
        return cls(factory(), relogin=factory, **options)

    @classmethod
    def from_config(cls, options: Any, credentials: cabc.Mapping[str, str]) -> Self:
        """Build from a settings file: ``options`` (:class:`~.options.SalesforceOptions`, checked before any
        network call) and resolved ``credentials`` (``password``, ``security_token``, ``consumer_secret``,
        ``jwt_private_key``, ``refresh_token`` or ``session_id``).

        :raises ConfigurationError: naming a bad option or credential (nothing is sent before the first call: a
            sign-in failure is that call's error, see ``lazy`` in :meth:`login`)
        """
        opts: SalesforceOptions = cls.parse_options(options)
        cls.check_credential_names(credentials)
        return cls.login(
            username=opts.username, domain=opts.domain, instance_url=opts.instance_url, version=opts.version,
            consumer_key=opts.consumer_key, jwt_key_file=opts.jwt_key_file, session=http_session(opts),
            kinds=opts.kinds, scope=opts.scope.value, owner_id=opts.owner_id, extra_filter=opts.extra_filter,
            link_field=opts.link_field, overlap=timedelta(minutes=opts.overlap_minutes),
            feed_mode=opts.feed_mode.value,
            max_api_share=opts.max_api_share, create_accounts=opts.create_accounts,
            relate_activities=opts.relate_activities, relate_leads=opts.relate_leads,
            related_to=opts.related_to, shared_activities=opts.shared_activities, ignore=opts.ignore,
            ignore_own_domain=opts.ignore_own_domain, attendees_from_relations=opts.attendees_from_relations,
            series=opts.series, series_form=opts.series_form.value, task_recurrence=opts.task_recurrence,
            writes_land_within=timedelta(minutes=opts.writes_land_within_minutes), lazy=True, **credentials,
        )

    @classmethod
    def for_emulator(cls, emulator: Any, **options: Any) -> Self:
        """An adapter logged in to a running :class:`~syncore_salesforce.emulator.SalesforceEmulator` (demo, tests)."""
        user = emulator.auth.user()
        options.setdefault("clock", emulator.clock.now)
        return cls.login(username=user.username, password=user.password, security_token=user.security_token,
                         session=emulator.session(), **options)

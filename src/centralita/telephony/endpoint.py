"""The PJSIP endpoint, its transport and account, and the legs they carry.

Everything here runs on the engine thread (see `engine.py`): it creates the endpoint,
so PJSIP treats it as the main thread and delivers every callback to it.
"""

from __future__ import annotations

import gc
import logging
import weakref
from collections.abc import Callable
from typing import Any

import pjsua2 as pj

from centralita.telephony.dtmf import check_digits
from centralita.telephony.errors import NoSuchCall, pj_errors
from centralita.telephony.events import (
    CallAnswered,
    CallArrived,
    CallEnded,
    CallRinging,
    DigitReceived,
    PlaybackFinished,
    RegistrationChanged,
    TelephonyEvent,
)
from centralita.telephony.legs import Leg, Player, guarded
from centralita.telephony.sipmsg import asks_auto_answer, caller_and_dialled

log = logging.getLogger(__name__)
pjsip_log = logging.getLogger("centralita.telephony.pjsip")
# PJSIP log levels: 0 fatal, 1 error, 2 warning, 3 info, 4+ debug.
_LEVELS = {0: logging.CRITICAL, 1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO}


class _LogWriter(pj.LogWriter):  # type: ignore[misc]
    @guarded
    def write(self, entry: Any) -> None:
        level = _LEVELS.get(entry.level, logging.DEBUG)
        pjsip_log.log(level, "%s", entry.msg.rstrip())


class _Account(pj.Account):  # type: ignore[misc]
    def __init__(
        self,
        on_incoming: Callable[[Any], None],
        emit: Callable[[TelephonyEvent], None],
        username: str = "",
    ) -> None:
        super().__init__()
        self._on_incoming = on_incoming
        self._emit = emit
        self._username = username

    @guarded
    def onIncomingCall(self, prm: Any) -> None:
        self._on_incoming(prm)

    @guarded
    def onRegState(self, prm: Any) -> None:
        self._emit(
            RegistrationChanged(int(prm.code), str(prm.reason), int(prm.expiration), self._username)
        )


class EndpointCore:
    """Owns the pjsua2 Endpoint. Not thread-safe: call only from the engine thread."""

    def __init__(
        self, config: Any, emit: Callable[[TelephonyEvent], None], new_id: Callable[[], str]
    ) -> None:
        self.config = config
        self._emit = emit
        self._new_id = new_id
        self.legs: dict[str, Leg] = {}
        self._ended: list[Leg] = []  # released after the callback that ended them returns
        #: Every leg not yet freed, to check that none outlives the endpoint.
        self._every_leg: weakref.WeakSet[Leg] = weakref.WeakSet()
        self._ep: Any = None
        self._account: Any = None
        self._transport_id: int | None = None
        #: Accounts that only set the From of calls we place (a trunk's caller ID).
        self._from_accounts: dict[str, Any] = {}
        self._rang: set[str] = set()  # outgoing legs that reported CallRinging
        self._log_writer: Any = None

    # --- lifecycle -----------------------------------------------------------------
    def start(self) -> int:
        cfg = self.config
        with pj_errors("start-engine", host=cfg.host, port=cfg.port):
            self._ep = pj.Endpoint()
            self._ep.libCreate()
            ep_cfg = pj.EpConfig()
            ep_cfg.uaConfig.maxCalls = cfg.max_calls
            ep_cfg.uaConfig.threadCnt = 0
            ep_cfg.uaConfig.mainThreadOnly = True
            ep_cfg.uaConfig.userAgent = cfg.user_agent
            ep_cfg.medConfig.clockRate = cfg.clock_rate
            ep_cfg.medConfig.sndClockRate = cfg.clock_rate
            ep_cfg.medConfig.ecTailLen = 0
            ep_cfg.medConfig.noVad = True
            ep_cfg.medConfig.quality = cfg.media_quality
            self._log_writer = _LogWriter()
            ep_cfg.logConfig.writer = self._log_writer
            ep_cfg.logConfig.level = cfg.log_level
            ep_cfg.logConfig.consoleLevel = cfg.log_level
            ep_cfg.logConfig.msgLogging = cfg.log_level >= 4
            self._ep.libInit(ep_cfg)
            self._ep.audDevManager().setNullDev()

            t_cfg = pj.TransportConfig()
            t_cfg.port = cfg.port
            t_cfg.boundAddress = cfg.host
            transport_id = self._ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, t_cfg)
            local = self._ep.transportGetInfo(transport_id).localName
            port = int(local.rsplit(":", 1)[1])
            self._transport_id = transport_id
            self._ep.libStart()
            self._limit_codecs(cfg.codecs)

            identity = f"sip:centralita@{cfg.host}:{port}"
            self._account = _Account(self._on_incoming, self._emit)
            self._account.create(self._account_config(identity, cfg.registration), True)
            for reg in cfg.registrations:  # more phones on the same endpoint
                account = _Account(self._on_incoming, self._emit, reg.username)
                account.create(self._account_config(identity, reg), False)
                self._from_accounts[f"registration:{reg.username}"] = account
        return port

    def _account_config(self, id_uri: str, reg: Any = None) -> Any:
        """An account on our transport named `id_uri`; with `reg`, registering with it
        (and named `sip:<user>@<registrar host>` instead)."""
        a_cfg = pj.AccountConfig()
        a_cfg.idUri = id_uri
        a_cfg.sipConfig.transportId = self._transport_id
        a_cfg.mediaConfig.transportConfig.boundAddress = self.config.host
        a_cfg.mediaConfig.transportConfig.port = 0
        if reg is not None:
            registrar_host = reg.registrar.split(":", 1)[1].split(";", 1)[0]
            a_cfg.idUri = f"sip:{reg.username}@{registrar_host}"
            a_cfg.regConfig.registrarUri = reg.registrar
            a_cfg.regConfig.timeoutSec = reg.expires
            a_cfg.regConfig.retryIntervalSec = 0  # a refused password is final
            a_cfg.natConfig.sipOutboundUse = 0
            a_cfg.natConfig.contactRewriteUse = 0
            a_cfg.natConfig.viaRewriteUse = 0
            creds = pj.AuthCredInfo("digest", "*", reg.username, 0, reg.password)
            a_cfg.sipConfig.authCreds.append(creds)
        return a_cfg

    def _limit_codecs(self, wanted: tuple[str, ...]) -> None:
        rank = {name.upper(): i for i, name in enumerate(wanted)}
        for info in self._ep.codecEnum2():
            name = info.codecId.split("/", 1)[0].upper()
            priority = 250 - rank[name] if name in rank else 0
            self._ep.codecSetPriority(info.codecId, priority)

    def poll(self, msec: int) -> int:
        """Handle SIP events for up to `msec` ms; returns how many were handled."""
        handled: int = self._ep.libHandleEvents(msec)
        self._reap()
        return handled

    def destroy(self) -> None:
        """Hang up everything, drop every PJSIP-facing reference, then destroy PJSIP.

        Every `pj.Call`, player and recorder must be gone before `libDestroy`: their C++
        destructors call into pjsua and abort the process once it is destroyed.
        """
        if self._ep is None:
            return
        try:
            self._ep.hangupAllCalls()
            for _ in range(50):  # let BYEs go out and DISCONNECTED callbacks run
                if all(leg.ended for leg in self.legs.values()):
                    break
                self._ep.libHandleEvents(10)
        except Exception:
            log.exception("hanging up calls at shutdown failed")
        self._release_legs()
        if self._account is not None:
            try:
                self._account.shutdown()
            except Exception:
                log.exception("account shutdown failed")
        self._account = None
        for account in self._from_accounts.values():
            try:
                account.shutdown()
            except Exception:
                log.exception("account shutdown failed")
        self._from_accounts.clear()
        gc.collect()
        if self._every_leg:
            log.error(
                "call legs still referenced at PJSIP shutdown: %s",
                sorted(leg.call_id for leg in self._every_leg),
            )
        try:
            self._ep.libDestroy()
        finally:
            self._ep = None
            self._log_writer = None
            gc.collect()

    def _release_legs(self) -> None:
        # A method of its own, so that no local variable keeps a leg alive past it.
        legs = [*self.legs.values(), *self._ended]
        self.legs.clear()
        self._ended.clear()
        for leg in legs:
            leg.release()

    # --- events ----------------------------------------------------------------------
    def _on_incoming(self, prm: Any) -> None:
        call_id = self._new_id()
        leg = Leg(self._account, call_id, self._on_state, prm.callId, self._on_digit)
        self.legs[call_id] = leg
        self._every_leg.add(leg)
        try:
            ani, dnis = caller_and_dialled(prm.rdata.wholeMsg)
        except Exception:
            log.exception("could not read ANI/DNIS of call %s", call_id)
            ani, dnis = "", ""
        try:
            auto = asks_auto_answer(prm.rdata.wholeMsg)
        except Exception:
            log.exception("could not read the auto-answer headers of call %s", call_id)
            auto = False
        try:
            source = str(prm.rdata.srcAddress)
        except Exception:
            log.exception("could not read the source address of call %s", call_id)
            source = ""
        self._emit(
            CallArrived(call_id=call_id, ani=ani, dnis=dnis, auto_answer=auto, source=source)
        )

    def _on_state(self, leg: Leg, info: Any) -> None:
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self._rang.discard(leg.call_id)
            self._emit(CallAnswered(call_id=leg.call_id))
        elif (
            info.state == pj.PJSIP_INV_STATE_EARLY
            and info.role == pj.PJSIP_ROLE_UAC
            and leg.call_id not in self._rang
        ):
            self._rang.add(leg.call_id)
            self._emit(CallRinging(call_id=leg.call_id, status=int(info.lastStatusCode)))
        elif (
            info.state == pj.PJSIP_INV_STATE_DISCONNECTED
            and self.legs.pop(leg.call_id, None) is not None
        ):
            leg.unbridge()
            self._rang.discard(leg.call_id)
            self._ended.append(leg)
            self._emit(
                CallEnded(call_id=leg.call_id, status=info.lastStatusCode, reason=info.lastReason)
            )

    def _on_digit(self, call_id: str, digit: str, method: str) -> None:
        # May run on PJSIP's media thread: only emit (thread-safe), touch nothing else.
        self._emit(DigitReceived(call_id=call_id, digit=digit, method=method))

    def _reap(self) -> None:
        if self._ended:
            ended, self._ended = self._ended, []
            for leg in ended:
                leg.release()

    # --- commands --------------------------------------------------------------------
    def _leg(self, call_id: str) -> Leg:
        leg = self.legs.get(call_id)
        if leg is None or leg.ended:
            raise NoSuchCall(call_id=call_id)
        return leg

    def provisional(self, call_id: str, status: int) -> None:
        leg = self._leg(call_id)
        with pj_errors("ring", call_id=call_id):
            prm = pj.CallOpParam()
            prm.statusCode = status
            leg.answer(prm)

    def answer(self, call_id: str) -> None:
        leg = self._leg(call_id)
        with pj_errors("answer", call_id=call_id):
            prm = pj.CallOpParam()
            prm.statusCode = 200
            leg.answer(prm)

    def hangup(self, call_id: str, status: int | None) -> None:
        leg = self._leg(call_id)
        with pj_errors("hangup", call_id=call_id):
            prm = pj.CallOpParam()
            if status is not None:
                prm.statusCode = status
            leg.hangup(prm)

    def hangup_all(self) -> int:
        count = len(self.legs)
        with pj_errors("hangup-all"):
            self._ep.hangupAllCalls()
        return count

    def play_tone(self, call_id: str, freq_hz: int, volume: int) -> None:
        leg = self._leg(call_id)
        with pj_errors("play-tone", call_id=call_id, freq_hz=freq_hz):
            tone = pj.ToneDesc()
            tone.freq1 = freq_hz
            tone.freq2 = 0
            tone.on_msec = 1000
            tone.off_msec = 0
            tone.volume = volume
            tones = pj.ToneDescVector()
            tones.append(tone)
            generator = pj.ToneGenerator()
            generator.createToneGenerator(self.config.clock_rate, 1)
            generator.play(tones, True)
            leg.add_source(generator)

    def play_file(self, call_id: str, path: str, loop: bool) -> None:
        leg = self._leg(call_id)
        with pj_errors("play-file", call_id=call_id, path=path):
            emit = self._emit
            on_end = None if loop else (lambda: emit(PlaybackFinished(call_id=call_id)))
            player = Player(on_end)
            player.createPlayer(path, 0 if loop else pj.PJMEDIA_FILE_NO_LOOP)
            leg.add_source(player)

    def stop_playback(self, call_id: str) -> None:
        self._leg(call_id).stop_sources()

    def send_digits(self, call_id: str, digits: str) -> None:
        leg = self._leg(call_id)
        with pj_errors("send-digits", call_id=call_id, digits=digits):
            leg.dialDtmf(check_digits(digits))

    def media_stats(self, call_id: str) -> tuple[int, int, int]:
        """(RTP packets received, sent, lost) on the leg's audio stream; zeros if none."""
        leg = self._leg(call_id)
        with pj_errors("media-stats", call_id=call_id):
            index = leg.audio_index()
            if index is None:
                return 0, 0, 0
            rtcp = leg.getStreamStat(index).rtcp
            return int(rtcp.rxStat.pkt), int(rtcp.txStat.pkt), int(rtcp.rxStat.loss)

    def record(self, call_id: str, path: str) -> None:
        leg = self._leg(call_id)
        with pj_errors("record", call_id=call_id, path=path):
            recorder = pj.AudioMediaRecorder()
            recorder.createRecorder(path)
            leg.add_sink(recorder)

    def stop_record(self, call_id: str) -> None:
        self._leg(call_id).stop_sinks()

    def bridge(self, call_a: str, call_b: str) -> None:
        leg_a, leg_b = self._leg(call_a), self._leg(call_b)
        if leg_a is leg_b:
            raise ValueError("a call cannot be bridged with itself")
        leg_a.stop_sources()
        leg_b.stop_sources()
        leg_a.bridge(leg_b)

    def unbridge(self, call_id: str) -> None:
        self._leg(call_id).unbridge()

    def connect(self, source: str, listener: str) -> None:
        self._leg(listener).listen_to(self._leg(source))

    def disconnect(self, source: str, listener: str) -> None:
        self._leg(listener).stop_listening_to(self._leg(source))

    def _account_from(self, from_uri: str | None) -> Any:
        """The account whose identity is `from_uri` (created on first use; never
        registers): PJSIP takes a call's From from its account, with no per-call way."""
        if from_uri is None:
            return self._account
        account = self._from_accounts.get(from_uri)
        if account is None:
            with pj_errors("dial", from_uri=from_uri):
                account = _Account(self._on_incoming, self._emit)
                account.create(self._account_config(from_uri), False)
            self._from_accounts[from_uri] = account
        return account

    def dial(
        self,
        uri: str,
        headers: tuple[tuple[str, str], ...] = (),
        from_uri: str | None = None,
    ) -> str:
        account = self._account_from(from_uri)
        call_id = self._new_id()
        leg = Leg(account, call_id, self._on_state, on_digit=self._on_digit)
        with pj_errors("dial", uri=uri):
            prm = pj.CallOpParam(True)
            for name, value in headers:
                header = pj.SipHeader()
                header.hName = name
                header.hValue = value
                prm.txOption.headers.append(header)
            leg.makeCall(uri, prm)
        self.legs[call_id] = leg
        self._every_leg.add(leg)
        return call_id

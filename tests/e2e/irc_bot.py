#!/usr/bin/python3
# SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE.
"""irc_bot.py - a small IRC bot on lchatd's IRC socket, written with
Python's `irc` library (Debian's python3-irc), for test_irc_clients.

    /usr/bin/python3 tests/e2e/irc_bot.py SOCKET NICK [CHANNEL]

It connects to the UNIX socket SOCKET (the library connects to host and
port; its connect_factory, which turns an address into a connected socket,
is given one that ignores the address and connects to SOCKET), registers as
NICK, joins CHANNEL (default #general) and then:
  "NICK: ping"  in the channel  -> "pong, <sender>" in the channel
  "ping"        in private      -> "pong, <sender>" in private
  "NICK: leave" in the channel  -> PART CHANNEL :asked to leave, QUIT, exit 0
Everything it hears and does is printed, one line each, for the test's
screen. Exit statuses: 0 after leaving on the command, 1 if the server
closed the connection first, 2 on a usage or connection error."""

import socket
import sys

import irc.client


def unix_factory(path):
    """A connect_factory for ServerConnection.connect(): the (host, port)
    it is called with is ignored, the socket connects to path."""
    def connect(_address):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(path)
        return sock
    return connect


class Bot(irc.client.SimpleIRCClient):
    def __init__(self, nick, channel):
        super().__init__()
        self.nick = nick
        self.channel = channel
        self.status = 1

    def say(self, what):
        print(what, flush=True)

    def on_welcome(self, conn, event):
        self.say("registered as %s; joining %s" % (conn.get_nickname(), self.channel))
        conn.join(self.channel)

    def on_join(self, conn, event):
        who = irc.client.NickMask(event.source).nick
        if who == conn.get_nickname():
            self.say("in %s" % event.target)

    def on_pubmsg(self, conn, event):
        who = irc.client.NickMask(event.source).nick
        text = event.arguments[0]
        self.say("<%s> %s" % (who, text))
        me = conn.get_nickname()
        for sep in (":", ","):
            prefix = me + sep
            if text.lower().startswith(prefix.lower()):
                command = text[len(prefix):].strip().lower()
                break
        else:
            return
        if command == "ping":
            conn.privmsg(event.target, "pong, %s" % who)
            self.say("answered %s" % who)
        elif command == "leave":
            self.say("leaving on %s's command" % who)
            # Not conn.part(): python3-irc sends its reason without the
            # ':' a reason of several words needs ("PART #c asked to leave"
            # parts with the reason "asked").
            conn.send_raw("PART %s :asked to leave" % self.channel)
            conn.quit("bye")
            self.status = 0

    def on_privmsg(self, conn, event):
        who = irc.client.NickMask(event.source).nick
        text = event.arguments[0]
        self.say("*%s* %s" % (who, text))
        if text.strip().lower() == "ping":
            conn.privmsg(who, "pong, %s" % who)
            self.say("answered %s in private" % who)

    def on_action(self, conn, event):
        who = irc.client.NickMask(event.source).nick
        self.say(" * %s %s" % (who, event.arguments[0]))

    def on_error(self, conn, event):
        self.say("ERROR %s" % " ".join([event.target or ""] + event.arguments).strip())

    def on_disconnect(self, conn, event):
        self.say("disconnected")
        raise SystemExit(self.status)


def main():
    if len(sys.argv) not in (3, 4):
        print("usage: irc_bot.py SOCKET NICK [CHANNEL]", file=sys.stderr)
        return 2
    path, nick = sys.argv[1], sys.argv[2]
    channel = sys.argv[3] if len(sys.argv) == 4 else "#general"
    bot = Bot(nick, channel)
    try:
        bot.connect("lchat", 0, nick, connect_factory=unix_factory(path))
    except irc.client.ServerConnectionError as err:
        print("irc_bot: %s: %s" % (path, err), file=sys.stderr)
        return 2
    bot.say("connected to %s" % path)
    bot.ircobj.process_forever()
    return bot.status


if __name__ == "__main__":
    sys.exit(main())

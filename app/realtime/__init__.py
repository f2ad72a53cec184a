"""The live connection: namespace, rooms, commands with operation ids, broadcast after commit.

Every screen holds a versioned copy of its workshop. Services bump the workshop's
version in the transaction of each change and broadcast after the commit; a client
that sees a gap, or reconnects, takes a snapshot. Socket.IO delivers at most once
and buffers nothing for a disconnected client, so the snapshot is the recovery path.

rooms.py names the rooms and broadcasts; beat.py sends on the room's beat; connections.py
holds this process's connections; attendance.py counts them in and out and tells the rooms;
commands.py registers and dispatches the commands. The names most callers use are here.
"""

from app.realtime.beat import on_beat
from app.realtime.commands import COMMAND, PING, SNAPSHOT, command
from app.realtime.connections import forget_all
from app.realtime.rooms import NS, Message, broadcast, room_participant, room_public, room_staff

__all__ = [
    "COMMAND",
    "NS",
    "PING",
    "SNAPSHOT",
    "Message",
    "broadcast",
    "command",
    "forget_all",
    "on_beat",
    "room_participant",
    "room_public",
    "room_staff",
]

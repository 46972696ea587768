import { unknownCommand, formatTable, type CliArea } from './common';
import { runUserEdit } from './users-edit';

/** `users list`: every user, with class, servers and default payment; `users edit-profile|edit-payment|set-class`. */
export const usersArea: CliArea = async (ctx, group, action, rest) => {
  const { app, json, print, write } = ctx;
  switch (action) {
    case 'edit-profile':
    case 'edit-payment':
    case 'set-class':
      return runUserEdit(ctx, action, rest);
    case 'list': {
      const users = await app.directory.listUsers();
      if (json) print(users);
      else
        write(
          formatTable(
            ['plex id', 'title', 'username', 'class', 'servers', 'default payment ends', 'removed'],
            users.map((u) => [u.plexId, u.title, u.username ?? '(managed)', u.class, u.servers.length, u.defaultPayment?.endsAt.slice(0, 10) ?? '-', u.removedAt ? u.removedAt.slice(0, 10) : '']),
          ),
        );
      return 0;
    }
    default:
      throw unknownCommand(group, action);
  }
};

/** `shared-servers list`: who shares which server, pending invites included. */
export const sharedServersArea: CliArea = async ({ app, json, print, write }, group, action) => {
  switch (action) {
    case 'list': {
      const shares = await app.directory.listSharedServers();
      if (json) print(shares);
      else
        write(
          formatTable(
            ['server', 'plex user', 'username', 'invited', 'accepted', 'libraries'],
            shares.map((s) => [s.serverName, s.plexUserId, s.username ?? '(managed)', s.invitedAt?.slice(0, 10) ?? '-', s.pending ? 'pending' : (s.acceptedAt?.slice(0, 10) ?? '-'), s.allLibraries ? 'all' : s.libraries.join(', ')]),
          ),
        );
      return 0;
    }
    default:
      throw unknownCommand(group, action);
  }
};

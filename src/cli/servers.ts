import { formatTable, UsageError, unknownCommand, type CliArea } from './common';

/** `servers list|set`: the owner's servers and how their new users are imported. */
export const serversArea: CliArea = async ({ app, values, json, print, write }, group, action, rest) => {
  switch (action) {
    case 'list': {
      const servers = await app.catalog.listServers();
      if (json) print(servers);
      else write(formatTable(['machine identifier', 'name', 'import as', 'enabled'], servers.map((s) => [s.machineIdentifier, s.name, s.importAs, s.enabled ? 'yes' : 'no'])));
      return 0;
    }
    case 'set': {
      const machineIdentifier = rest[0];
      if (!machineIdentifier) throw new UsageError('servers set needs the machine identifier (see servers list)');
      const importAs = values['import-as'];
      if (importAs !== undefined && importAs !== 'standard' && importAs !== 'permanent') {
        throw new UsageError('--import-as must be standard or permanent');
      }
      const enabled = values.enabled;
      if (enabled !== undefined && enabled !== 'true' && enabled !== 'false') throw new UsageError('--enabled must be true or false');
      if (importAs === undefined && enabled === undefined) throw new UsageError('servers set needs --import-as or --enabled');
      const server = await app.catalog.updateServer(machineIdentifier, {
        importAs: importAs as 'standard' | 'permanent' | undefined,
        enabled: enabled === undefined ? undefined : enabled === 'true',
      });
      if (json) print(server);
      else write(`${server.name}: new users import as ${server.importAs}, ${server.enabled ? 'enabled' : 'disabled'}\n`);
      return 0;
    }
    default:
      throw unknownCommand(group, action);
  }
};

import { describe, expect, it } from 'vitest';
import {
  equalFold,
  nodeMatches,
  parseConstraintSyntax,
  parseSwarmConstraint,
  parseSwarmPreference,
  preferenceValue,
} from '../../../src/schedulers/swarm/constraints.js';
import { swarmNode } from './nodes.js';

const matches = (texts: string[], node = swarmNode(0)) => nodeMatches(texts.map(parseConstraintSyntax), node);

describe('parseConstraintSyntax (constraint.go Parse; cases of constraint_test.go TestParse)', () => {
  it.each([
    ['', 'constraint expected one operator from ==, !='],
    [' ', 'constraint expected one operator from ==, !='],
    ['nodeabc', 'constraint expected one operator from ==, !='],
    ['node ~ abc', 'constraint expected one operator from ==, !='],
    ['node.labels.zone=a', 'constraint expected one operator from ==, !='],
    ['1node==a2', "key '1node' is invalid"],
    ['no de== node1', "key 'no de' is invalid"],
    ['no*de==node1', "key 'no*de' is invalid"],
    ['==node1', "key '' is invalid"],
    ['no$de==node1', "key 'no$de' is invalid"],
    ['node==', "value '' is invalid"],
    ['node== ', "value '' is invalid"],
    ['node.labels.zone==a>b', "value 'a>b' is invalid"],
    ['node.labels.zone==a!=b', "value 'a!=b' is invalid"],
  ])('rejects %j: %s', (text, why) => {
    expect(() => parseConstraintSyntax(text)).toThrow(`invalid placement constraint ${JSON.stringify(text)}: ${why}`);
  });

  it.each([
    [' node == node1', 'node', '==', 'node1'],
    ['NoDe==node1', 'NoDe', '==', 'node1'],
    ['no.de==node1', 'no.de', '==', 'node1'],
    ['_node==_node1', '_node', '==', '_node1'],
    ['node==[a-b]+c*(n|b)/', 'node', '==', '[a-b]+c*(n|b)/'],
    ['node==node 1', 'node', '==', 'node 1'],
    ['node.role != manager', 'node.role', '!=', 'manager'],
    ['node.labels.zone==a', 'node.labels.zone', '==', 'a'],
  ])('accepts %j', (text, key, operator, value) => {
    expect(parseConstraintSyntax(text)).toEqual({ key, operator, value });
  });
});

describe('parseSwarmConstraint: upstream syntax, and no constraint that can never hold', () => {
  it('accepts every known key', () => {
    for (const key of ['node.id', 'node.hostname', 'node.ip', 'node.role', 'node.platform.os', 'node.platform.arch', 'node.labels.zone', 'engine.labels.os', 'NODE.LABELS.zone']) {
      const value = key === 'node.ip' ? '10.0.0.0/8' : 'x';
      expect(parseSwarmConstraint(`${key} == ${value}`).key).toBe(key);
    }
  });
  it('names the expected keys for an unknown one', () => {
    expect(() => parseSwarmConstraint('node.abc.bcd == high')).toThrow(
      "invalid placement constraint \"node.abc.bcd == high\": unknown key 'node.abc.bcd': expected node.id, node.hostname, node.ip, node.role, node.platform.os, node.platform.arch, node.labels.<label> or engine.labels.<label>",
    );
    expect(() => parseSwarmConstraint('node.labels.==a')).toThrow("unknown key 'node.labels.'");
  });
  it('refuses a node.ip value that is neither an address nor a subnet', () => {
    expect(() => parseSwarmConstraint('node.ip == not_ip_addr')).toThrow("node.ip value 'not_ip_addr' is neither an IP address nor a CIDR subnet");
    expect(() => parseSwarmConstraint('node.ip == 186.17.9.41/34')).toThrow('neither an IP address');
  });
  it('keeps the syntax errors of upstream', () => {
    expect(() => parseSwarmConstraint('node.labels.zone=a')).toThrow('constraint expected one operator from ==, !=');
  });
});

describe('nodeMatches (constraint.go NodeMatches; cases of scheduler/constraint_test.go)', () => {
  it('TestWrongSyntax: an unknown key matches no node with == or !=', () => {
    expect(matches(['node.abc.bcd == high'])).toBe(false);
    expect(matches(['node.abc.bcd != high'])).toBe(false);
  });
  it('TestNodeHostname / TestNodeID: node.hostname and node.id are the node name, whole and case-insensitive', () => {
    const n = swarmNode(0, { name: 'node-1' });
    expect(matches(['node.hostname != node-1'], swarmNode(0, { name: 'node-2' }))).toBe(true);
    expect(matches(['node.hostname != node-1'], n)).toBe(false);
    expect(matches(['node.hostname != node-1'], swarmNode(0, { name: 'NODe-1' }))).toBe(false);
    expect(matches(['node.id == node-1'], n)).toBe(true);
    expect(matches(['node.id == node-1-extra'], n)).toBe(false);
    expect(matches(['node.id == node-'], n)).toBe(false);
  });
  it('TestNodeRole', () => {
    expect(matches(['node.role == worker'])).toBe(true);
    expect(matches(['node.role == manager'])).toBe(false);
    expect(matches(['node.role == worker-manager'])).toBe(false);
    expect(matches(['node.role == MANAGER'], swarmNode(0, { role: 'manager' }))).toBe(true);
    expect(matches(['node.role != manager'], swarmNode(0, { role: 'manager' }))).toBe(false);
  });
  it('TestNodePlatform', () => {
    expect(matches(['node.platform.os == linux'])).toBe(true);
    expect(matches(['node.platform.os == linux'], swarmNode(0, { os: 'windows' }))).toBe(false);
    expect(matches(['node.platform.arch == amd64'], swarmNode(0, { arch: 'x86_64' }))).toBe(false);
    expect(matches(['node.platform.arch != amd64'], swarmNode(0, { arch: 'x86_64' }))).toBe(true);
    expect(matches(['node.platform.OS == LINUX'])).toBe(true);
  });
  const ipv4 = swarmNode(0, { ip: '186.17.9.41' });
  it.each([
    ['node.ip == 186.17.9.41', true],
    ['node.ip != 186.17.9.41', false],
    ['node.ip == 186.17.9.42', false],
    ['node.ip == 186.17.9.4/24', true],
    ['node.ip == 186.17.8.41/24', false],
    ['node.ip == 186.17.9.41/34', false],
    ['node.ip != 266.17.9.41', false],
    ['node.ip != 0.0.0.0', true],
    ['node.ip == not_ip_addr', false],
    ['node.ip == ::ffff:186.17.9.41', true],
    ['node.ip == ::ffff:186.17.9.0/120', true],
    ['node.ip == 2001:db8::/32', false],
  ])('TestNodeIP IPv4 node: %s -> %s', (text, want) => {
    expect(matches([text], ipv4)).toBe(want);
  });
  const ipv6 = swarmNode(0, { ip: '2001:db8::2' });
  it.each([
    ['node.ip == 2001:db8::2', true],
    ['node.ip == 2001:db8:0::2', true],
    ['node.ip != 2001:db8::2/128', false],
    ['node.ip == 2001:db8::/64', true],
    ['node.ip == 2001:db9::/64', false],
    ['node.ip != 2001:db9::/64', true],
    ['node.ip == 0.0.0.0/0', false],
  ])('TestNodeIP IPv6 node: %s -> %s', (text, want) => {
    expect(matches([text], ipv6)).toBe(want);
  });
  it('TestNodeIP: a node without an address fails == and passes !=', () => {
    expect(matches(['node.ip == 0.0.0.0'])).toBe(false);
    expect(matches(['node.ip != 0.0.0.0'])).toBe(true);
    expect(matches(['node.ip != 10.0.0.0/8'])).toBe(true);
  });
  it('labels: values case-insensitive, label names case-sensitive, the prefix case-insensitive', () => {
    const n = swarmNode(0, { labels: { zone: 'EU-West' }, engineLabels: { storage: 'ssd' } });
    expect(matches(['node.labels.zone == eu-west'], n)).toBe(true);
    expect(matches(['NODE.Labels.zone == eu-west'], n)).toBe(true);
    expect(matches(['node.labels.Zone == eu-west'], n)).toBe(false);
    expect(matches(['engine.labels.storage == SSD'], n)).toBe(true);
    expect(matches(['engine.labels.storage != ssd'], n)).toBe(false);
    expect(matches(['node.labels.storage == ssd'], n)).toBe(false);
  });
  it('a missing label reads as "": == fails, != holds', () => {
    const n = swarmNode(0, { labels: { zone: 'a' } });
    expect(matches(['node.labels.rack == r1'], n)).toBe(false);
    expect(matches(['node.labels.rack != r1'], n)).toBe(true);
    expect(matches(['engine.labels.rack != r1'], n)).toBe(true);
    // Object.prototype members are not labels.
    expect(matches(['node.labels.constructor != x'], n)).toBe(true);
  });
  it('every constraint must hold', () => {
    const n = swarmNode(0, { labels: { zone: 'a' }, role: 'worker' });
    expect(matches(['node.labels.zone==a', 'node.role==worker'], n)).toBe(true);
    expect(matches(['node.labels.zone==a', 'node.role==manager'], n)).toBe(false);
    expect(matches([], n)).toBe(true);
  });
});

describe('equalFold (strings.EqualFold)', () => {
  it.each([
    ['abc', 'ABC', true],
    ['abc', 'abd', false],
    ['k', '\u212a', true],
    ['s', '\u017f', true],
    ['ß', 'ss', false],
    ['straße', 'STRASSE', false],
    ['İ', 'i', false],
    ['Émile', 'émile', true],
  ])('%j ~ %j: %s', (a, b, want) => {
    expect(equalFold(a, b)).toBe(want);
  });
});

describe('parseSwarmPreference (nodeset.go tree descriptor switch)', () => {
  it('takes node.labels.* and engine.labels.*, prefix case-insensitive, and ignores the rest', () => {
    expect(parseSwarmPreference('node.labels.zone')).toEqual({ source: 'node', label: 'zone' });
    expect(parseSwarmPreference('Node.Labels.Zone')).toEqual({ source: 'node', label: 'Zone' });
    expect(parseSwarmPreference('engine.labels.rack')).toEqual({ source: 'engine', label: 'rack' });
    expect(parseSwarmPreference('node.labels.')).toBeUndefined();
    expect(parseSwarmPreference('node.hostname')).toBeUndefined();
    expect(parseSwarmPreference('node.platform.os')).toBeUndefined();
  });
  it('a node without the label is in the "" branch', () => {
    const pref = parseSwarmPreference('node.labels.zone')!;
    expect(preferenceValue(pref, swarmNode(0, { labels: { zone: 'a' } }))).toBe('a');
    expect(preferenceValue(pref, swarmNode(0))).toBe('');
  });
});

// wasi:sockets, denied: the types exist so components that import them link,
// but creating a socket or resolving a name fails with `access-denied`.
const deny = (): never => {
  throw 'access-denied';
};

export function createSockets() {
  class Network {}
  class TcpSocket {}
  class UdpSocket {}
  class IncomingDatagramStream {}
  class OutgoingDatagramStream {}
  class ResolveAddressStream {}
  return {
    'wasi:sockets/network': { Network, networkErrorCode: () => undefined },
    'wasi:sockets/instance-network': { instanceNetwork: () => new Network() },
    'wasi:sockets/tcp': { TcpSocket },
    'wasi:sockets/tcp-create-socket': { createTcpSocket: deny },
    'wasi:sockets/udp': { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
    'wasi:sockets/udp-create-socket': { createUdpSocket: deny },
    'wasi:sockets/ip-name-lookup': { ResolveAddressStream, resolveAddresses: deny },
  };
}

using System.Net;
using System.Net.Sockets;
using RecoveryAssist.Tftp.Protocol;

namespace RecoveryAssist.Tftp.Tests.TestSupport;

/// <summary>A hand-driven UDP peer for server tests: sends exactly the bytes a test wants and
/// reads the answers. Receives wait at most a few seconds, as a guard, never as timing.</summary>
internal sealed class RawTftpClient : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly byte[] _buffer = new byte[70000];

    /// <param name="address">The loopback address to send from (127.0.0.2 is another client to the server).</param>
    public RawTftpClient(int receiveTimeoutMs = 5000, IPAddress? address = null)
    {
        _socket.Bind(new IPEndPoint(address ?? IPAddress.Loopback, 0));
        _socket.ReceiveTimeout = receiveTimeoutMs;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public void Send(IPEndPoint to, ReadOnlySpan<byte> packet) => _socket.SendTo(packet, SocketFlags.None, to);

    public void SendReadRequest(IPEndPoint to, string name, params (string Name, string Value)[] options)
    {
        byte[] packet = new byte[1024];
        int length = TftpPacketCodec.WriteRequest(packet, TftpOpcode.ReadRequest, name, "octet", options.Select(o => new KeyValuePair<string, string>(o.Name, o.Value)).ToList());
        Send(to, packet.AsSpan(0, length));
    }

    public void SendAck(IPEndPoint to, ushort block)
    {
        byte[] packet = new byte[4];
        TftpPacketCodec.WriteAck(packet, block);
        Send(to, packet);
    }

    public (TftpPacket Packet, IPEndPoint From) Receive()
    {
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int length = _socket.ReceiveFrom(_buffer, ref from);
        TftpPacket packet = TftpPacketCodec.Decode(_buffer.AsSpan(0, length), out TftpParseError? error)
            ?? throw new InvalidOperationException($"server sent a malformed packet: {error!.Reason}");
        return (packet, (IPEndPoint)from);
    }

    /// <summary>The sizes of the datagrams already queued for this socket, read without waiting.</summary>
    public List<int> DrainQueued()
    {
        var sizes = new List<int>();
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        while (_socket.Available > 0)
        {
            sizes.Add(_socket.ReceiveFrom(_buffer, ref from));
        }

        return sizes;
    }

    /// <summary>True when nothing arrives within the wait.</summary>
    public bool ReceivesNothing(int waitMs)
    {
        _socket.ReceiveTimeout = waitMs;
        try
        {
            Receive();
            return false;
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.TimedOut)
        {
            return true;
        }
        finally
        {
            _socket.ReceiveTimeout = 5000;
        }
    }

    /// <summary>Reads a whole file in lock-step from an already started transfer whose first
    /// packet is given.</summary>
    public byte[] ReceiveRest(TftpDataPacket first, IPEndPoint server, int blockSize)
    {
        var content = new List<byte>(first.Payload.ToArray());
        SendAck(server, first.Block);
        TftpDataPacket data = first;
        while (data.Payload.Length == blockSize)
        {
            data = (TftpDataPacket)Receive().Packet;
            content.AddRange(data.Payload.ToArray());
            SendAck(server, data.Block);
        }

        return [.. content];
    }

    public void Dispose() => _socket.Dispose();
}

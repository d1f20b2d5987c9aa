using System.Buffers.Binary;

namespace KohakuRiver.Core.Wire;

/// <summary>The kinds of port-forward frame (byte 0 of the header).</summary>
public enum ForwardFrameType : byte
{
    Connect = 1,
    Connected = 2,
    Data = 3,
    Close = 4,
    Error = 5,
    Ping = 6,
    Pong = 7,
}

/// <summary>The protocol a forward carries (byte 1 of the header).</summary>
public enum ForwardProtocol : byte
{
    Tcp = 0,
    Udp = 1,
}

public static class ForwardProtocolNames
{
    /// <summary>The protocol as <c>?proto=</c> and people spell it: tcp or udp.</summary>
    public static string ToWire(this ForwardProtocol protocol) => protocol == ForwardProtocol.Udp ? "udp" : "tcp";
}

/// <summary>
/// The header of one binary frame on <c>/ws/forward/{id}/{port}</c>, big-endian as the reference sends it: byte 0
/// type, byte 1 protocol, bytes 2–5 client id, bytes 6–7 port, then the payload (DATA: bytes; ERROR: a UTF-8 reason).
/// </summary>
public readonly record struct ForwardFrame(ForwardFrameType Type, ForwardProtocol Protocol, uint ClientId, ushort Port)
{
    public const int HeaderSize = 8;

    /// <summary>The largest payload one frame carries; a longer message is refused.</summary>
    public const int MaxPayload = 64 * 1024;

    public const int MaxFrameSize = HeaderSize + MaxPayload;

    /// <summary>A buffer that receives frames: one byte more than the largest, so that a longer message shows
    /// (<see cref="WebSocketMessages.ReceiveAsync"/>).</summary>
    public const int ReceiveBufferSize = MaxFrameSize + 1;

    public void Write(Span<byte> destination)
    {
        if (destination.Length < HeaderSize) throw new ArgumentException("a forward frame header needs 8 bytes", nameof(destination));
        destination[0] = (byte)Type;
        destination[1] = (byte)Protocol;
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], ClientId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], Port);
    }

    /// <summary>The header followed by <paramref name="payload"/>, as one array.</summary>
    public byte[] ToArray(ReadOnlySpan<byte> payload = default)
    {
        if (payload.Length > MaxPayload) throw new ArgumentException($"a forward frame carries at most {MaxPayload} bytes", nameof(payload));
        var bytes = new byte[HeaderSize + payload.Length];
        Write(bytes);
        payload.CopyTo(bytes.AsSpan(HeaderSize));
        return bytes;
    }

    /// <summary>Reads a header; false (with a reason) when the frame is too short, too long or of an unknown type or
    /// protocol.</summary>
    public static bool TryRead(ReadOnlySpan<byte> frame, out ForwardFrame header, out string? error)
    {
        header = default;
        if (frame.Length < HeaderSize)
        {
            error = $"a forward frame has an 8-byte header; this one has {frame.Length} bytes";
            return false;
        }
        if (frame.Length > MaxFrameSize)
        {
            error = $"a forward frame carries at most {MaxPayload} bytes of payload; this one has {frame.Length - HeaderSize}";
            return false;
        }
        var type = (ForwardFrameType)frame[0];
        if (!Enum.IsDefined(type))
        {
            error = $"unknown forward frame type {frame[0]}";
            return false;
        }
        var proto = (ForwardProtocol)frame[1];
        if (!Enum.IsDefined(proto))
        {
            error = $"unknown forward protocol {frame[1]} (0 is TCP, 1 is UDP)";
            return false;
        }
        header = new ForwardFrame(type, proto, BinaryPrimitives.ReadUInt32BigEndian(frame[2..]), BinaryPrimitives.ReadUInt16BigEndian(frame[6..]));
        error = null;
        return true;
    }
}

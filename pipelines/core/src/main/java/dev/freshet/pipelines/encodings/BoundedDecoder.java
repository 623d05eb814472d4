package dev.freshet.pipelines.encodings;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * Avro's binary decoder with every length and count bounded by the record's size. Avro allocates a
 * string's or an array's storage from the length it reads before it reads the content, so a few
 * corrupt bytes could ask for gigabytes and take the worker down; here they fail as undecodable.
 */
final class BoundedDecoder extends Decoder {
  private final BinaryDecoder in;
  private final int recordBytes;

  BoundedDecoder(BinaryDecoder in, int recordBytes) {
    this.in = in;
    this.recordBytes = recordBytes;
  }

  private int length(long length) throws IOException {
    if (length < 0 || length > recordBytes) {
      throw new IOException(
          "a length of " + length + " in a record of " + recordBytes + " bytes (corrupt data)");
    }
    return (int) length;
  }

  private long count(long count) throws IOException {
    if (count > recordBytes) {
      throw new IOException(
          count + " items in a record of " + recordBytes + " bytes (corrupt data)");
    }
    return count;
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int length = length(in.readLong());
    Utf8 result = old != null ? old : new Utf8();
    result.setByteLength(length);
    if (length > 0) {
      in.readFixed(result.getBytes(), 0, length);
    }
    return result;
  }

  @Override
  public String readString() throws IOException {
    return readString(null).toString();
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int length = length(in.readLong());
    ByteBuffer result;
    if (old != null && old.hasArray() && length <= old.capacity()) {
      result = old;
      result.clear();
    } else {
      result = ByteBuffer.allocate(length);
    }
    in.readFixed(result.array(), result.arrayOffset() + result.position(), length);
    result.limit(length);
    return result;
  }

  @Override
  public long readArrayStart() throws IOException {
    return count(in.readArrayStart());
  }

  @Override
  public long arrayNext() throws IOException {
    return count(in.arrayNext());
  }

  @Override
  public long readMapStart() throws IOException {
    return count(in.readMapStart());
  }

  @Override
  public long mapNext() throws IOException {
    return count(in.mapNext());
  }

  @Override
  public void readNull() throws IOException {
    in.readNull();
  }

  @Override
  public boolean readBoolean() throws IOException {
    return in.readBoolean();
  }

  @Override
  public int readInt() throws IOException {
    return in.readInt();
  }

  @Override
  public long readLong() throws IOException {
    return in.readLong();
  }

  @Override
  public float readFloat() throws IOException {
    return in.readFloat();
  }

  @Override
  public double readDouble() throws IOException {
    return in.readDouble();
  }

  @Override
  public void skipString() throws IOException {
    in.skipString();
  }

  @Override
  public void skipBytes() throws IOException {
    in.skipBytes();
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    in.readFixed(bytes, start, length);
  }

  @Override
  public void skipFixed(int length) throws IOException {
    in.skipFixed(length);
  }

  @Override
  public int readEnum() throws IOException {
    return in.readEnum();
  }

  @Override
  public long skipArray() throws IOException {
    return in.skipArray();
  }

  @Override
  public long skipMap() throws IOException {
    return in.skipMap();
  }

  @Override
  public int readIndex() throws IOException {
    return in.readIndex();
  }
}

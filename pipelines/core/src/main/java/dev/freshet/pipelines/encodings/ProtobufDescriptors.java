package dev.freshet.pipelines.encodings;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.extensions.protobuf.ProtoDomain;

/**
 * A {@code FileDescriptorSet} as {@code protoc --include_imports --descriptor_set_out=FILE} writes
 * it: its message types by full name, as Beam's {@link ProtoDomain} (serializable, so it travels
 * with a decoder).
 */
final class ProtobufDescriptors {
  private ProtobufDescriptors() {}

  /** The set in {@code bytes}; {@link IllegalArgumentException} saying what is wrong. */
  static FileDescriptorSet parse(byte[] bytes) {
    FileDescriptorSet set;
    try {
      set = FileDescriptorSet.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          "is not a FileDescriptorSet (" + e.getMessage() + ")" + HOW, e);
    }
    if (set.getFileCount() == 0) {
      throw new IllegalArgumentException("is not a FileDescriptorSet (it holds no files)" + HOW);
    }
    return set;
  }

  private static final String HOW =
      "; make one with protoc --include_imports --descriptor_set_out=FILE your.proto";

  /** The set's descriptors; {@link IllegalArgumentException} when an import is missing. */
  static ProtoDomain domain(FileDescriptorSet set) {
    Set<String> files = new HashSet<>();
    set.getFileList().forEach(f -> files.add(f.getName()));
    for (FileDescriptorProto file : set.getFileList()) {
      for (String imported : file.getDependencyList()) {
        if (!files.contains(imported)) {
          // Beam would build placeholders for the missing types, which decode to nothing.
          throw new IllegalArgumentException(
              "holds "
                  + file.getName()
                  + ", which imports "
                  + imported
                  + ", but not "
                  + imported
                  + " itself: make it with protoc --include_imports");
        }
      }
    }
    try {
      return ProtoDomain.buildFrom(set);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot be made into descriptors ("
              + Failures.describe(e)
              + "): was it made with protoc --include_imports, so that it holds every imported"
              + " file?",
          e);
    }
  }

  /** The full names of every message type in the set, nested ones included. */
  static List<String> messageNames(FileDescriptorSet set) {
    List<String> names = new ArrayList<>();
    for (FileDescriptorProto file : set.getFileList()) {
      String prefix = file.getPackage().isEmpty() ? "" : file.getPackage() + ".";
      for (DescriptorProto message : file.getMessageTypeList()) {
        addNames(prefix, message, names);
      }
    }
    return names;
  }

  private static void addNames(String prefix, DescriptorProto message, List<String> names) {
    String name = prefix + message.getName();
    names.add(name);
    for (DescriptorProto nested : message.getNestedTypeList()) {
      addNames(name + ".", nested, names);
    }
  }
}

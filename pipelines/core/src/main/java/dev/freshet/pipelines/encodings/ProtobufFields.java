package dev.freshet.pipelines.encodings;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.FieldType;
import dev.freshet.transforms.events.RecordParser;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The fields of a Protobuf message as {@link RecordParser} reads them, by their {@code .proto}
 * names: strings, integers (unsigned ones as their unsigned value), floats, doubles and bools as
 * they are, enums as their value's name, {@code google.protobuf.Timestamp} as epoch milliseconds
 * (rounded down) and the wrapper types ({@code google.protobuf.DoubleValue}, ...) as their value.
 *
 * <p>Presence follows Protobuf: a field with presence (a message field, a proto3 {@code optional}
 * or oneof field, any proto2 field) that is not set is missing; a proto3 scalar without presence is
 * present with its default (0, "", false) when not set, as Protobuf cannot tell the two apart.
 */
final class ProtobufFields {
  static final String TIMESTAMP = "google.protobuf.Timestamp";

  private static final Set<String> WRAPPERS =
      Set.of(
          "google.protobuf.DoubleValue",
          "google.protobuf.FloatValue",
          "google.protobuf.Int64Value",
          "google.protobuf.UInt64Value",
          "google.protobuf.Int32Value",
          "google.protobuf.UInt32Value",
          "google.protobuf.BoolValue",
          "google.protobuf.StringValue");

  private ProtobufFields() {}

  /** The field values of {@code message}. */
  static RecordParser.FieldSource of(Message message) {
    Descriptor type = message.getDescriptorForType();
    return name -> {
      FieldDescriptor field = type.findFieldByName(name);
      if (field == null || (field.hasPresence() && !message.hasField(field))) {
        return null;
      }
      return value(field, message.getField(field));
    };
  }

  private static Object value(FieldDescriptor field, Object value) {
    if (field.isRepeated()) {
      // Protobuf cannot tell an empty list from none; a list the parser's type rules refuse.
      return ((List<?>) value).isEmpty() ? null : value;
    }
    return switch (field.getType()) {
      case UINT32, FIXED32 -> Integer.toUnsignedLong((Integer) value);
      case UINT64, FIXED64 ->
          (Long) value < 0 ? new BigInteger(Long.toUnsignedString((Long) value)) : value;
      case ENUM -> ((EnumValueDescriptor) value).getName();
      case MESSAGE -> message((Message) value);
      default -> value;
    };
  }

  private static Object message(Message message) {
    Descriptor type = message.getDescriptorForType();
    if (type.getFullName().equals(TIMESTAMP)) {
      long seconds = (Long) message.getField(type.findFieldByName("seconds"));
      int nanos = (Integer) message.getField(type.findFieldByName("nanos"));
      return seconds * 1000 + Math.floorDiv(nanos, 1_000_000);
    }
    if (WRAPPERS.contains(type.getFullName())) {
      FieldDescriptor value = type.findFieldByName("value");
      return value(value, message.getField(value));
    }
    return message;
  }

  /**
   * What keeps {@code message} from holding {@code schema}'s records: the required fields it lacks,
   * and each field whose type cannot hold the declared type; each a phrase that follows the
   * message's name ("has no field 'amount'..."). Empty when it fits.
   */
  static List<String> problems(Descriptor message, EventSchema schema, String specName) {
    return SchemaFit.problems(
        schema,
        specName,
        message::findFieldByName,
        ProtobufFields::canHold,
        ProtobufFields::describe);
  }

  private static boolean canHold(FieldDescriptor field, FieldType type, boolean label) {
    if (field.isRepeated()) {
      return false;
    }
    if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      String name = field.getMessageType().getFullName();
      if (name.equals(TIMESTAMP)) {
        return type == FieldType.TIMESTAMP;
      }
      return WRAPPERS.contains(name)
          && canHold(field.getMessageType().findFieldByName("value"), type, label);
    }
    FieldDescriptor.JavaType t = field.getJavaType();
    boolean integer = t == FieldDescriptor.JavaType.INT || t == FieldDescriptor.JavaType.LONG;
    boolean number =
        integer || t == FieldDescriptor.JavaType.FLOAT || t == FieldDescriptor.JavaType.DOUBLE;
    return switch (type) {
      case STRING -> t == FieldDescriptor.JavaType.STRING || t == FieldDescriptor.JavaType.ENUM;
      case LONG -> integer;
      case DOUBLE -> number;
      case BOOLEAN -> t == FieldDescriptor.JavaType.BOOLEAN || (label && number);
      case TIMESTAMP -> integer || t == FieldDescriptor.JavaType.STRING;
    };
  }

  private static String describe(FieldDescriptor field) {
    String type =
        field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
            ? field.getMessageType().getFullName()
            : field.getType().name().toLowerCase(Locale.ROOT);
    return field.isRepeated() ? "repeated " + type : type;
  }
}

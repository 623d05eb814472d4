package dev.freshet.transforms.features;

import java.io.Serializable;

/**
 * An entity that features are computed per: a name (as features refer to it) and the event field
 * holding its id, or no field for the one global entity that every event belongs to.
 */
public record EntityKey(String name, String field) implements Serializable {
  /** The key value of the global entity. */
  public static final String GLOBAL_VALUE = "*";

  public EntityKey {
    java.util.Objects.requireNonNull(name, "name");
  }

  public static EntityKey of(String name, String field) {
    return new EntityKey(name, field);
  }

  public static EntityKey global(String name) {
    return new EntityKey(name, null);
  }

  public boolean isGlobal() {
    return field == null;
  }
}

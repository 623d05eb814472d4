package dev.freshet.runners.dataflow;

import java.beans.Introspector;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/**
 * The options a {@link PipelineOptions} interface accepts, named as on the command line ({@code
 * getFooBar} → {@code --fooBar}), found by reflection over its getters and those it inherits.
 */
public final class OptionSet {
  /** Where Freshet's own option interfaces live; the rest come from Beam and its runners. */
  static final String FRESHET_PACKAGE = "dev.freshet.";

  /**
   * One option: its name, the interface that declares it, its type, whether it must be given (it is
   * {@code Validation.Required} and has no {@code Default}), its {@code Description} and its {@code
   * Default} as text ({@code null} when absent or computed).
   */
  public record Option(
      String name,
      Class<?> declaredBy,
      Class<?> type,
      boolean required,
      String description,
      String defaultValue) {
    /** Declared by a Freshet interface rather than by Beam or a runner. */
    public boolean isFreshet() {
      return declaredBy.getName().startsWith(FRESHET_PACKAGE);
    }
  }

  private final Class<? extends PipelineOptions> options;
  private final Map<String, Option> byName;

  private OptionSet(Class<? extends PipelineOptions> options, Map<String, Option> byName) {
    this.options = options;
    this.byName = byName;
  }

  public static OptionSet of(Class<? extends PipelineOptions> options) {
    Map<String, Option> byName = new TreeMap<>();
    for (Method m : options.getMethods()) {
      String name = propertyName(m);
      if (name == null || !hasSetter(options, m, name)) {
        continue;
      }
      Description description = m.getAnnotation(Description.class);
      byName.putIfAbsent(
          name,
          new Option(
              name,
              m.getDeclaringClass(),
              m.getReturnType(),
              m.isAnnotationPresent(Validation.Required.class) && !hasDefault(m),
              description == null ? null : description.value(),
              defaultValue(m)));
    }
    return new OptionSet(options, byName);
  }

  public Class<? extends PipelineOptions> optionsInterface() {
    return options;
  }

  public Optional<Option> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  public Collection<Option> all() {
    return byName.values();
  }

  private static String propertyName(Method m) {
    if (m.getParameterCount() != 0 || m.getReturnType() == void.class) {
      return null;
    }
    String n = m.getName();
    if (n.startsWith("get") && n.length() > 3) {
      return Introspector.decapitalize(n.substring(3));
    }
    if (n.startsWith("is") && n.length() > 2 && m.getReturnType() == boolean.class) {
      return Introspector.decapitalize(n.substring(2));
    }
    return null;
  }

  private static boolean hasSetter(Class<?> options, Method getter, String name) {
    String setter = "set" + Character.toUpperCase(name.charAt(0)) + name.substring(1);
    try {
      options.getMethod(setter, getter.getReturnType());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  /** Beam marks some options required that always have a value (the runner): not required here. */
  private static boolean hasDefault(Method getter) {
    for (Annotation a : getter.getAnnotations()) {
      if (a.annotationType().getEnclosingClass() == Default.class) {
        return true;
      }
    }
    return false;
  }

  /** The value of any {@code @Default.X(value)} annotation on {@code getter}, as text. */
  private static String defaultValue(Method getter) {
    for (Annotation a : getter.getAnnotations()) {
      Class<? extends Annotation> type = a.annotationType();
      if (type.getEnclosingClass() != Default.class || type == Default.InstanceFactory.class) {
        continue;
      }
      try {
        return String.valueOf(type.getMethod("value").invoke(a));
      } catch (ReflectiveOperationException e) {
        return null;
      }
    }
    return null;
  }
}

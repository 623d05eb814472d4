package dev.freshet.model.external;

import java.io.Serializable;
import java.util.Objects;

/**
 * How an imported network is fed and read, recorded in its manifest: its {@link NetworkFormat}, its
 * {@link OutputKind}, whether Freshet standardises the numeric columns before the network ({@code
 * standardized}; otherwise the network gets the raw values and normalises itself), and the name and
 * SHA-256 of the file it was imported from (the version's lineage back to the user's file;
 * fine-tuned descendants keep it).
 *
 * <p>Input contract: a float tensor {@code [batch, width]} in the feature spec's column order;
 * categorical columns hold the bucket index, with {@code buckets} (one past the last bucket) for
 * unknown values; non-finite numeric values are replaced by the mean (0 without standardisation).
 */
public record ExternalNetwork(
    NetworkFormat format,
    OutputKind output,
    boolean standardized,
    String sourceFile,
    String sourceSha256)
    implements Serializable {
  public ExternalNetwork {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(sourceFile, "sourceFile");
    Objects.requireNonNull(sourceSha256, "sourceSha256");
  }
}

package dev.freshet.pipelines.io;

import org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * S3 clients that address buckets by path ({@code http://host:9000/bucket/key}) rather than by host
 * name ({@code bucket.host}): what S3-compatible stores (MinIO, Ceph, S3Proxy) behind one {@code
 * --endpoint} need. Give it as {@code --s3ClientFactoryClass=dev.freshet.pipelines.io.PathStyleS3}.
 */
public final class PathStyleS3 implements S3ClientBuilderFactory {
  @Override
  public S3ClientBuilder createBuilder(S3Options options) {
    return new DefaultS3ClientBuilderFactory().createBuilder(options).forcePathStyle(true);
  }
}

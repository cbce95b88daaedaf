"""A small streaming query for the stack tests: Kafka topic -> HDFS text files, drained with availableNow.

Usage: spark-submit --jars <connector jars> kafka_to_hdfs_job.py BOOTSTRAP TOPIC OUTPUT_URL CHECKPOINT_URL
Prints `ROWS=<n>` after reading the output back through Spark's own hdfs:// reader.
"""
import sys

from pyspark.sql import SparkSession

bootstrap, topic, output, checkpoint = sys.argv[1:5]
spark = SparkSession.builder.appName("stack-test-kafka-to-hdfs").getOrCreate()
spark.sparkContext.setLogLevel("WARN")
query = (
    spark.readStream.format("kafka")
    .option("kafka.bootstrap.servers", bootstrap)
    .option("subscribe", topic)
    .option("startingOffsets", "earliest")
    .load()
    .selectExpr("CAST(value AS STRING) AS value")
    .writeStream.format("text")
    .option("path", output)
    .option("checkpointLocation", checkpoint)
    .trigger(availableNow=True)
    .start()
)
query.awaitTermination()
print(f"ROWS={spark.read.text(output).count()}", flush=True)
spark.stop()

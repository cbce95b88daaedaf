#!/bin/bash
# Kafka's topic tool (org.apache.kafka.tools.TopicCommand), as the tarball's bin/kafka-topics.sh runs it.
exec java -Xmx256m -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties \
  -cp "/opt/kafka/libs/*:/opt/kafka/tools/*" org.apache.kafka.tools.TopicCommand "$@"

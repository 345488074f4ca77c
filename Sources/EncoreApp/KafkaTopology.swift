import EncoreCore
import EncoreKafka
import Logging

/// Where Encore's topics live: the embedded broker (created here) or an external cluster.
///
/// The same clients run against either; only topic creation differs, because librdkafka's mock
/// cluster does not implement the CreateTopics request.
public final class KafkaTopology: Sendable {
    /// The embedded broker when one was started.
    public let embeddedBroker: EmbeddedBroker?
    public let bootstrapServers: String
    public let topicPrefix: String

    /// Starts the embedded broker if the configuration names no cluster, and creates Encore's
    /// topics if asked to.
    public init(configuration: ServiceConfiguration, logger: Logger) throws(KafkaError) {
        topicPrefix = configuration.kafka.topicPrefix
        if configuration.usesEmbeddedBroker {
            let broker = try EmbeddedBroker(brokerCount: configuration.embedded.brokers, logger: logger)
            embeddedBroker = broker
            bootstrapServers = broker.bootstrapServers
            logger.info("embedded broker started", metadata: ["bootstrap": "\(broker.bootstrapServers)"])
        } else {
            embeddedBroker = nil
            bootstrapServers = configuration.kafka.bootstrapServers
        }
        if configuration.kafka.createTopics {
            try createTopics(
                partitions: Int32(configuration.kafka.partitions),
                replicationFactor: Int16(configuration.kafka.replicationFactor),
                client: configuration.kafkaClient(bootstrapServers: bootstrapServers), logger: logger
            )
        }
    }

    /// Creates every topic of the contract (existing ones are left alone). The item-embeddings
    /// topic is compacted: the latest vector per track wins.
    public func createTopics(
        partitions: Int32, replicationFactor: Int16, client: KafkaClientConfiguration, logger: Logger
    ) throws(KafkaError) {
        let topics = EncoreTopic.allCases.map { topic in
            TopicSpecification(
                name: topic.name(prefix: topicPrefix), partitions: partitions,
                replicationFactor: embeddedBroker == nil ? replicationFactor : 1,
                config: topic == .itemEmbeddings ? ["cleanup.policy": "compact"] : [:]
            )
        }
        // Only what is missing: an `encore broker` (the mock cannot serve CreateTopics) or an
        // operator may have created them already, possibly with other settings, which we keep.
        let existing = try KafkaAdmin.existingTopics(client: client, timeout: .seconds(15), logger: logger)
        let missing = topics.filter { !existing.contains($0.name) }
        if !missing.isEmpty {
            if let embeddedBroker {
                try embeddedBroker.createTopics(missing)
            } else {
                try KafkaAdmin.createTopics(missing, client: client, timeout: .seconds(30), logger: logger)
            }
        }
        logger.info("topics ready", metadata: [
            "created": "\(missing.count)", "existing": "\(topics.count - missing.count)", "partitions": "\(partitions)",
        ])
    }

    /// Stops the embedded broker, if any.
    public func shutdown() { embeddedBroker?.shutdown() }
}

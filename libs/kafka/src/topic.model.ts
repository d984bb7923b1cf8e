/** A topic to create: its name, partition count and topic config. Which topics exist is the features' business (their contracts). */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly config: Readonly<Record<string, string>>;
}

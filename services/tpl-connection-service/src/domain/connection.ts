/** The states of a 3PL–client connection (R5.2). Pure: no I/O. */
export const CONNECTION_STATUSES = ['pending', 'active', 'declined', 'removed', 'disconnected'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

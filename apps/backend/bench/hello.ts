import express from 'express';

/** The ceiling for `bench:api`: a bare Express 5 hello-world, started the same way as the backend. */
const app = express();
app.get('/', (_req, res) => {
  res.send('Hello World!');
});
app.listen(Number(process.env.PORT), '127.0.0.1');

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { TodoApi } from './api.ts';
import { App } from './components/App.tsx';
import { TodoStore } from './todo-store.ts';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html must contain the element #root');
createRoot(root).render(
  <StrictMode>
    <App store={new TodoStore(new TodoApi())} />
  </StrictMode>,
);

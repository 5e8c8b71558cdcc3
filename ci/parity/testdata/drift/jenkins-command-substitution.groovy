// Parity-test fixture (not this repository's pipeline).
node('docker') {
    stage('Install Dagger') {
        sh 'curl -fsSL https://dl.dagger.io/dagger/install.sh | BIN_DIR="$HOME/.local/bin" DAGGER_VERSION=0.19.7 sh'
    }
    stage('Check') {
        sh 'dagger call check'
    }
    stage('Plan') {
        sh '''
            dagger call plan \
              --aws-access-key-id=env://AWS_ACCESS_KEY_ID \
              --aws-secret-access-key=env://AWS_SECRET_ACCESS_KEY \
              --aws-session-token=env://AWS_SESSION_TOKEN \
              --region="$AWS_REGION" \
              --state-bucket="$TF_STATE_BUCKET" \
              --lock-table="$TF_LOCK_TABLE" \
              --environment="$EVENTMALL_ENVIRONMENT" > plan.md
        '''
    }
    stage('Deploy') {
        sh '''
            dagger call deploy \
              --aws-access-key-id=env://AWS_ACCESS_KEY_ID \
              --aws-secret-access-key=env://AWS_SECRET_ACCESS_KEY \
              --aws-session-token=env://AWS_SESSION_TOKEN \
              --region="$(cat region.txt)" \
              --state-bucket="$TF_STATE_BUCKET" \
              --lock-table="$TF_LOCK_TABLE" \
              --environment="$EVENTMALL_ENVIRONMENT" \
              --slack-token=env://SLACK_BOT_TOKEN \
              --slack-channel="$SLACK_CHANNEL" \
              summary
        '''
    }

}
